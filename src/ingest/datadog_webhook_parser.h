// src/ingest/datadog_webhook_parser.h
//
// DatadogWebhookParser: Datadog monitor webhook bodies (one templated JSON object, or an array of
// them) -> alert signals, with field names from a DatadogWebhookMapping (copied at construction).
// Mapping rules (docs/signal-model.md has the full table):
//   state     transition Recovered -> resolved; Triggered, Re-Triggered, Renotify, Warn, No Data ->
//             firing; else alert_type success -> resolved, error/warning -> firing; else the title
//             prefix ("[Recovered] ...", "[Triggered] ..."); else firing.
//   severity  alert_type (core::SeverityFromDatadogStatus), else priority P1-P5 (field or a "[P2]"
//             title prefix), else Warn transition -> warning.
//   title     the title without leading "[...]" groups; also label alertname.
//   labels    alertname, monitor_id, every tag and scope k:v (valueless tag k -> k="true"), host.
//   times     event_time = date, else last_updated, else the observed time (epoch, unit detected).
// A record must have a title or a monitor id (else missing_field "title").
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_DATADOG_WEBHOOK_PARSER_H_
#define QUELL_INGEST_DATADOG_WEBHOOK_PARSER_H_

#include <string>
#include <utility>
#include <vector>

#include "ingest/datadog_webhook_mapping.h"
#include "ingest/key_order.h"
#include "ingest/key_table.h"
#include "ingest/record_parser.h"

namespace quell::ingest {

class DatadogWebhookParser final : public RecordParser {
 public:
  explicit DatadogWebhookParser(const ParserOptions& options);

 private:
  RecordStatus ParseRecord(od::value& record, uint32_t offset) override;

  DatadogWebhookMapping mapping_;
  KeyTable keys_;    // JSON key -> field, mapped keys only.
  KeyOrder order_;   // The template's key order, learned from the records (key_order.h).
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DATADOG_WEBHOOK_PARSER_H_
