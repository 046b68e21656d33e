#include "core/label_set.h"

#include <algorithm>
#include <cstring>

#include "fmt/format.h"

namespace quell::core {

LabelSet::LabelSet(LabelView sorted) {
  size_t total = 0;
  for (const Label& l : sorted) total += l.name.size() + l.value.size();
  if (total > 0) storage_.reset(new char[total]);
  labels_.reserve(sorted.size());
  char* pos = storage_.get();
  for (const Label& l : sorted) {
    if (!l.name.empty()) std::memcpy(pos, l.name.data(), l.name.size());
    std::string_view name(pos, l.name.size());
    pos += l.name.size();
    if (!l.value.empty()) std::memcpy(pos, l.value.data(), l.value.size());
    std::string_view value(pos, l.value.size());
    pos += l.value.size();
    labels_.push_back(Label{name, value});
  }
}

LabelSet::LabelSet(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::vector<std::pair<std::string, std::string>> v;
  v.reserve(pairs.size());
  for (const auto& [n, val] : pairs) v.emplace_back(std::string(n), std::string(val));
  Rebuild(std::move(v));
}

LabelSet LabelSet::FromPairs(std::vector<std::pair<std::string, std::string>> pairs) {
  LabelSet s;
  s.Rebuild(std::move(pairs));
  return s;
}

void LabelSet::Rebuild(std::vector<std::pair<std::string, std::string>> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Label> tmp;
  for (size_t i = 0; i < pairs.size(); ++i) {
    // Keep the last occurrence of each name.
    if (i + 1 < pairs.size() && pairs[i + 1].first == pairs[i].first) continue;
    if (pairs[i].second.empty()) continue;
    tmp.push_back(Label{pairs[i].first, pairs[i].second});
  }
  *this = LabelSet(LabelView(tmp));
}

LabelSet& LabelSet::operator=(const LabelSet& o) {
  if (this == &o) return *this;
  LabelSet copy(o.view());
  *this = std::move(copy);
  return *this;
}

bool LabelSet::Has(std::string_view name) const {
  return std::binary_search(labels_.begin(), labels_.end(), Label{name, {}},
                            [](const Label& a, const Label& b) { return a.name < b.name; });
}

std::string LabelSet::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (i > 0) out += ", ";
    fmt::format_to(std::back_inserter(out), "{}=\"{}\"", labels_[i].name, labels_[i].value);
  }
  out += "}";
  return out;
}

bool LabelSet::operator==(const LabelSet& o) const {
  return std::equal(labels_.begin(), labels_.end(), o.labels_.begin(), o.labels_.end());
}

}  // namespace quell::core
