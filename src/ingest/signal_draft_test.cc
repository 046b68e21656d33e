#include "ingest/signal_draft.h"

#include <string>
#include <vector>

#include "core/signal_batch.h"
#include "gtest/gtest.h"

namespace quell::ingest {
namespace {

std::vector<std::string> Labels(const core::SignalBatch& b, const core::Signal& s) {
  std::vector<std::string> out;
  for (const core::Label& l : b.labels(s)) out.push_back(std::string(l.name) + "=" + std::string(l.value));
  return out;
}

// Reserved slots precede the labels added after them; each is set once its value is known, and
// one set to an empty value is dropped.
TEST(SignalDraftTest, ReservedSlotsAreFilledLater) {
  SignalDraft d;
  d.Reset(core::Format::kDatadogWebhook, core::SourceKind::kHttp, core::EventTime(), 0);
  const uint32_t first = d.ReserveLabels(3);
  EXPECT_EQ(first, 0u);
  d.Label("team", "db");
  d.SetLabel(first, "alertname", "Disk full");
  d.SetLabel(first + 1, "env", "");
  d.SetLabel(first + 2, "host", "db-1");
  EXPECT_EQ(d.label_count(), 4u);
  core::SignalBatch b;
  d.Emit(&b);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(Labels(b, b.signals()[0]), (std::vector<std::string>{"alertname=Disk full", "host=db-1", "team=db"}));
}

// Past kMaxLabels a reservation gets the slots that are left, and SetLabel beyond them does
// nothing (no write past the draft's array).
TEST(SignalDraftTest, ReservationAtCapacityGetsWhatIsLeft) {
  SignalDraft d;
  d.Reset(core::Format::kDatadogWebhook, core::SourceKind::kHttp, core::EventTime(), 0);
  std::vector<std::string> names;
  for (uint32_t i = 0; i + 2 < SignalDraft::kMaxLabels; ++i) names.push_back("k" + std::to_string(1000 + i));
  for (const std::string& n : names) d.Label(n, "v");
  const uint32_t first = d.ReserveLabels(5);
  EXPECT_EQ(first, SignalDraft::kMaxLabels - 2);
  EXPECT_EQ(d.label_count(), SignalDraft::kMaxLabels);
  for (uint32_t i = 0; i < 5; ++i) d.SetLabel(first + i, i == 0 ? "a" : i == 1 ? "b" : "c", "x");
  EXPECT_EQ(d.ReserveLabels(1), SignalDraft::kMaxLabels);
  EXPECT_EQ(d.label_count(), SignalDraft::kMaxLabels);
  core::SignalBatch b;
  d.Emit(&b);
  const std::vector<std::string> labels = Labels(b, b.signals()[0]);
  ASSERT_EQ(labels.size(), SignalDraft::kMaxLabels);
  EXPECT_EQ(labels[0], "a=x");
  EXPECT_EQ(labels[1], "b=x");
}

}  // namespace
}  // namespace quell::ingest
