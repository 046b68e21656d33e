#include "core/signal_batch.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/label_set.h"
#include "gtest/gtest.h"
#include "tests/testing/page_edge.h"
#include "tests/testing/reference_fingerprint.h"

namespace quell::core {
namespace {

TEST(SignalBatchTest, LabelsAreSortedDedupedAndFingerprinted) {
  SignalBatch batch;
  Signal& s = batch.Add();
  s.title = batch.Copy("HighErrorRate");
  batch.AddLabelCopy("service", "checkout");
  batch.AddLabelCopy("alertname", "HighErrorRate");
  batch.AddLabelCopy("env", "staging");
  batch.AddLabelCopy("env", "prod");   // Later one wins.
  batch.AddLabelCopy("empty", "");     // Dropped.
  batch.FinishLabels();
  batch.AddAnnotation("summary", batch.Copy("errors are up"));

  ASSERT_EQ(batch.size(), 1u);
  LabelView labels = batch.labels(batch.signals()[0]);
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels[0].name, "alertname");
  EXPECT_EQ(labels[1].name, "env");
  EXPECT_EQ(labels[1].value, "prod");
  EXPECT_EQ(labels[2].name, "service");
  EXPECT_EQ(batch.signals()[0].fingerprint,
            Fingerprint::Of(LabelSet{{"alertname", "HighErrorRate"}, {"env", "prod"},
                                     {"service", "checkout"}}.view()));
  EXPECT_EQ(batch.signals()[0].fingerprint.value(), testing::ReferenceFingerprint(labels));
  ASSERT_EQ(batch.annotations(batch.signals()[0]).size(), 1u);
  EXPECT_EQ(batch.annotations(batch.signals()[0])[0].value, "errors are up");
}

// FinishLabels sorts by 8-byte integer prefixes; names that tie on them (a shared 8-byte prefix,
// a name that is a prefix of another, NUL bytes) must still come out in std::string_view order,
// and the small-list path (<= 64 labels) must agree with the large one.
TEST(SignalBatchTest, SortOrderMatchesStringOrderWhenPrefixesTie) {
  const std::vector<std::string> names = {
      "service.namespace", "service.name", "service", "servic", "a", "ab", std::string("ab\0", 3),
      std::string("ab\0c", 4), "abcdefgh", "abcdefghi", "abcdefgh\xff", "\xff", "z", "service.name2",
      "B", "b", "k8s.pod.name", "k8s.pod.uid", "k8s.pod.name"};  // The repeated name: the later wins.
  for (size_t copies : {size_t{1}, size_t{4}}) {  // 19 labels (insertion sort) and 76 (merge sort).
    SignalBatch batch;
    batch.Add();
    std::vector<std::string> want;
    for (size_t c = 0; c < copies; ++c) {
      for (size_t i = 0; i < names.size(); ++i) {
        const std::string name = copies == 1 ? names[i] : names[i] + std::string(c, '~');
        batch.AddLabelCopy(name, "v" + std::to_string(i));
        want.push_back(name);
      }
    }
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    batch.FinishLabels();
    LabelView got = batch.labels(batch.signals()[0]);
    ASSERT_EQ(got.size(), want.size()) << copies;
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].name, want[i]) << copies << " at " << i;
    EXPECT_EQ(FindLabel(got, "k8s.pod.name"), "v18");  // The later of the two.
  }
}

// Append (what SignalDraft::Emit calls) gives the same signal as Add + AddLabel + FinishLabels +
// AddAnnotation, and signals appended one after another keep their own label ranges.
TEST(SignalBatchTest, AppendMatchesTheStepByStepBuild) {
  Signal proto;
  proto.title = "HighErrorRate";
  proto.labels_begin = 99;  // Whatever the draft held: Append sets the ranges.
  const std::vector<Label> labels = {{"service", "checkout"}, {"alertname", "HighErrorRate"}, {"env", "staging"},
                                     {"empty", ""},           {"env", "prod"}};
  const std::vector<Label> annotations = {{"summary", "errors are up"}, {"runbook", "r.md"}};

  SignalBatch stepwise;
  Signal& s = stepwise.Add();
  s.title = proto.title;
  for (const Label& l : labels) stepwise.AddLabel(l.name, l.value);
  stepwise.FinishLabels();
  for (const Label& a : annotations) stepwise.AddAnnotation(a.name, a.value);

  SignalBatch appended;
  appended.Append(proto, labels, {});  // A first signal, so the second one's ranges start later.
  appended.Append(proto, labels, annotations);
  ASSERT_EQ(appended.size(), 2u);
  const Signal& want = stepwise.signals()[0];
  for (const Signal& got : appended.signals()) {
    EXPECT_EQ(got.title, "HighErrorRate");
    EXPECT_EQ(got.fingerprint, want.fingerprint);
    LabelView gl = appended.labels(got), wl = stepwise.labels(want);
    ASSERT_EQ(std::vector<Label>(gl.begin(), gl.end()), std::vector<Label>(wl.begin(), wl.end()));
  }
  EXPECT_TRUE(appended.annotations(appended.signals()[0]).empty());
  LabelView ga = appended.annotations(appended.signals()[1]);
  ASSERT_EQ(ga.size(), 2u);
  EXPECT_EQ(ga[0].value, "errors are up");
  EXPECT_EQ(ga[1].name, "runbook");
  EXPECT_EQ(appended.signals()[1].labels_begin, 3u);  // After the first signal's 3 labels.
}

// SortLabels + AppendWithSortedLabels (a label set sorted once for many signals) gives each signal
// what Append gives it: the same labels, fingerprint, ranges and annotations.
TEST(SignalBatchTest, SortedLabelsAppendAsAppendDoes) {
  Signal proto;
  proto.title = "t";
  const std::vector<Label> labels = {{"service", "checkout"}, {"env", "staging"}, {"host", ""}, {"env", "prod"}};
  const std::vector<Label> annotations = {{"trace_id", "ab"}};
  SignalBatch::SortedLabels sorted;
  sorted.labels = {{"stale", "x"}};  // SortLabels replaces whatever it held.
  SignalBatch::SortLabels(labels, &sorted);
  ASSERT_EQ(sorted.labels, (std::vector<Label>{{"env", "prod"}, {"service", "checkout"}}));

  SignalBatch appended, shared;
  for (int i = 0; i < 3; ++i) {
    appended.Append(proto, labels, i == 1 ? std::span<const Label>(annotations) : std::span<const Label>());
    shared.AppendWithSortedLabels(proto, sorted, i == 1 ? std::span<const Label>(annotations) : std::span<const Label>());
  }
  ASSERT_EQ(shared.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Signal& want = appended.signals()[i];
    const Signal& got = shared.signals()[i];
    EXPECT_EQ(got.fingerprint, want.fingerprint) << i;
    EXPECT_EQ(got.fingerprint.value(), testing::ReferenceFingerprint(sorted.labels)) << i;
    EXPECT_EQ(got.labels_begin, want.labels_begin) << i;
    EXPECT_EQ(got.annotations_begin, want.annotations_begin) << i;
    LabelView gl = shared.labels(got), wl = appended.labels(want);
    ASSERT_EQ(std::vector<Label>(gl.begin(), gl.end()), std::vector<Label>(wl.begin(), wl.end())) << i;
    LabelView ga = shared.annotations(got), wa = appended.annotations(want);
    ASSERT_EQ(std::vector<Label>(ga.begin(), ga.end()), std::vector<Label>(wa.begin(), wa.end())) << i;
  }
}

// Random label sets of every size on both sides of the insertion-sort limit (64), with repeated
// names sharing long prefixes and empty values: Append keeps, per name, the last label added,
// drops it when that value is empty, and orders names as std::string does.
TEST(SignalBatchTest, AppendMatchesAReferenceAtEverySize) {
  std::mt19937 rng(11);
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{63}, size_t{64}, size_t{65}, size_t{100}, size_t{257}}) {
    std::vector<std::string> names, values;
    std::vector<Label> labels;
    for (size_t i = 0; i < n; ++i) {
      names.push_back("k8s.pod." + std::string(rng() % 3, 'x') + std::to_string(rng() % (n / 2 + 1)));
      values.push_back(rng() % 5 == 0 ? "" : "v" + std::to_string(i));
    }
    for (size_t i = 0; i < n; ++i) labels.push_back(Label{names[i], values[i]});
    std::map<std::string, std::string> want;
    for (size_t i = 0; i < n; ++i) want[names[i]] = values[i];
    for (auto it = want.begin(); it != want.end();) it = it->second.empty() ? want.erase(it) : std::next(it);
    SignalBatch batch;
    for (int round = 0; round < 2; ++round) {  // Twice: the second reuses the sort's buffer.
      batch.Clear();
      batch.Append(Signal(), labels, {});
      LabelView got = batch.labels(batch.signals()[0]);
      ASSERT_EQ(got.size(), want.size()) << n;
      size_t i = 0;
      for (const auto& [name, value] : want) {
        EXPECT_EQ(got[i].name, name) << n << " at " << i;
        EXPECT_EQ(got[i].value, value) << n << " at " << i;
        ++i;
      }
      EXPECT_EQ(batch.signals()[0].fingerprint.value(), testing::ReferenceFingerprint(got)) << n;
    }
  }
}

// Labels that arrive already in name order (what parsers mostly produce) take a path without sort
// keys; it must give what the sort gives: names tied on their 8-byte prefixes, empty values
// dropped, and input that stops being strictly ascending at its first, middle or last label (a
// repeated name too) handed to the sort with nothing appended twice.
TEST(SignalBatchTest, AscendingInputMatchesTheSort) {
  const std::vector<std::string> ascending = {"a", "ab", std::string("ab\0", 3), "abcdefgh", "abcdefghi",
                                              "alertname", "env", "host", "service", "service.name",
                                              "service.namespace", "team", "version"};
  auto check = [](const std::vector<Label>& labels) {
    std::map<std::string, std::string> want;
    for (const Label& l : labels) want[std::string(l.name)] = std::string(l.value);
    for (auto it = want.begin(); it != want.end();) it = it->second.empty() ? want.erase(it) : std::next(it);
    SignalBatch batch;
    batch.Append(Signal(), labels, {});
    LabelView got = batch.labels(batch.signals()[0]);
    std::vector<std::pair<std::string, std::string>> got_pairs;
    for (const Label& l : got) got_pairs.emplace_back(std::string(l.name), std::string(l.value));
    const std::vector<std::pair<std::string, std::string>> want_pairs(want.begin(), want.end());
    EXPECT_EQ(got_pairs, want_pairs);
    EXPECT_EQ(batch.signals()[0].fingerprint.value(), testing::ReferenceFingerprint(got));
  };
  std::vector<std::string> values;
  for (size_t i = 0; i < ascending.size(); ++i) values.push_back("v" + std::to_string(i));
  std::vector<Label> labels;
  for (size_t i = 0; i < ascending.size(); ++i) labels.push_back(Label{ascending[i], values[i]});
  check(labels);
  std::vector<Label> with_empty = labels;
  with_empty[0].value = "";
  with_empty[5].value = "";
  check(with_empty);
  for (size_t at : {size_t{1}, size_t{6}, ascending.size() - 1}) {
    std::vector<Label> swapped = labels;  // Out of order at `at`.
    std::swap(swapped[at - 1], swapped[at]);
    check(swapped);
    std::vector<Label> repeated = labels;  // The same name twice in a row: the later one wins.
    repeated[at].name = repeated[at - 1].name;
    check(repeated);
  }
}

// Append reads the first 8 bytes of each name (and 32-byte blocks of names and values for the
// fingerprint) in one load where that stays on the string's page: names and values that end where
// readable memory ends must give what the sort and the definition give. Without the page checks
// this test faults.
TEST(SignalBatchTest, AppendOfStringsEndingAtAPageEdge) {
  testing::PageEdge edge;
  for (size_t n = 1; n <= 40; ++n) {
    const std::string name(n, 'm');
    const std::string value(n, 'v');
    for (bool edge_is_name : {true, false}) {
      // Ascending: "a" < "m..." < "z", so Append takes its one-pass path.
      const std::string_view placed = edge.Place(edge_is_name ? name : value);
      const std::vector<Label> labels = {{"a", "1"},
                                         {edge_is_name ? placed : std::string_view(name), edge_is_name ? "2" : placed},
                                         {"z", "3"}};
      SignalBatch batch;
      batch.Append(Signal(), labels, {});
      LabelView got = batch.labels(batch.signals()[0]);
      ASSERT_EQ(got.size(), 3u) << n;
      EXPECT_EQ(got[1].name, name) << n;
      EXPECT_EQ(batch.signals()[0].fingerprint.value(), testing::ReferenceFingerprint(labels)) << n;
    }
  }
}

TEST(SignalBatchTest, DropLastRemovesLabelsToo) {
  SignalBatch batch;
  batch.Add();
  batch.AddLabelCopy("a", "1");
  batch.FinishLabels();
  batch.Add();
  batch.AddLabelCopy("b", "2");
  batch.DropLast();
  batch.Reject(Rejection{RejectReason::kMissingField, 42, 1, "labels"});
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.labels(batch.signals()[0]).size(), 1u);
  ASSERT_EQ(batch.rejections().size(), 1u);
  EXPECT_EQ(batch.rejections()[0].ToString(), "missing_field at byte 42 (record 1, field labels)");
}

TEST(SignalBatchTest, ClearKeepsArenaCapacity) {
  SignalBatch batch;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) {
      Signal& s = batch.Add();
      s.message = batch.Copy(std::string(100, 'x'));
      batch.AddLabelCopy("i", std::to_string(i));
      batch.FinishLabels();
    }
    size_t reserved = batch.arena().bytes_reserved();
    batch.Clear();
    EXPECT_EQ(batch.size(), 0u);
    EXPECT_EQ(batch.arena().bytes_reserved(), reserved);
  }
}

TEST(StringArenaTest, HugeStringsGetTheirOwnChunk) {
  StringArena arena(16);
  std::string big(1000, 'y');
  std::string_view a = arena.Copy("hello");
  std::string_view b = arena.Copy(big);
  std::string_view c = arena.Copy("world");
  EXPECT_EQ(a, "hello");
  EXPECT_EQ(b, big);
  EXPECT_EQ(c, "world");
  EXPECT_EQ(arena.bytes_used(), 1010u);
}

}  // namespace
}  // namespace quell::core

namespace quell::core {
namespace {

TEST(SignalBatchAttachTest, AttachedBytesLiveUntilClearAndAreRecognized) {
  auto owner = std::make_shared<const std::string>("{\"title\":\"disk full\"}");
  std::weak_ptr<const std::string> watch = owner;
  SignalBatch b;
  const std::string_view bytes = *owner;
  b.AttachBytes(bytes, std::move(owner));
  EXPECT_FALSE(watch.expired());  // The batch keeps the owner alive.
  EXPECT_TRUE(b.Attached(bytes));
  EXPECT_TRUE(b.Attached(bytes.substr(10, 9)));
  const std::string other = "elsewhere";
  EXPECT_FALSE(b.Attached(other));
  EXPECT_FALSE(b.Attached(std::string_view(bytes.data() + 5, bytes.size())));  // Runs past the end.
  SignalBatch moved = std::move(b);
  EXPECT_TRUE(moved.Attached(bytes));
  moved.Clear();
  EXPECT_TRUE(watch.expired());  // Released at Clear.
  EXPECT_FALSE(moved.Attached(other));
}

}  // namespace
}  // namespace quell::core
