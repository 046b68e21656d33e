// src/ingest/alertmanager_parser.h
//
// AlertmanagerParser: Alertmanager API v2 postable alerts (`POST /api/v2/alerts`: a JSON array of
// {labels, annotations, startsAt, endsAt, generatorURL}) -> alert signals.
//   labels       required, an object of string values with at least one non-empty value
//                (missing_field / wrong_type / invalid_value "labels"): Alertmanager drops
//                empty-valued labels, then requires a label pair. They are the signal's labels
//                as given, less the empty-valued ones. Names are not checked against
//                Alertmanager's [a-zA-Z_][a-zA-Z0-9_]*: matchers take any name (ADR 0054).
//   annotations  optional object of strings -> annotations; "summary" (else "description") also
//                becomes the message.
//   startsAt     RFC 3339 -> event_time; absent, null, "" or Go's zero time
//                ("0001-01-01T00:00:00Z", what amtool sends) -> the observed time.
//   endsAt       RFC 3339 -> end_time; same absent rule. Absent: end_time = observed +
//                options.alertmanager_resolve_timeout (5m), Alertmanager's resolve_timeout.
//                Before a startsAt that is set: the alert is rejected (invalid_value "endsAt"),
//                as model.Alert.Validate rejects it.
//   state        resolved iff endsAt is set and endsAt <= the observed time; else firing.
//   severity     from the `severity` label (core::SeverityFromLabel).
//   title        the alertname label; service/env/host/version from labels of those names
//                (also `job` -> service and `instance` -> host when absent).
//   link         generatorURL.
// A top-level object is not accepted (wrong_type): the API takes an array.
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_ALERTMANAGER_PARSER_H_
#define QUELL_INGEST_ALERTMANAGER_PARSER_H_

#include "ingest/key_order.h"
#include "ingest/record_parser.h"

namespace quell::ingest {

class AlertmanagerParser final : public RecordParser {
 public:
  explicit AlertmanagerParser(const ParserOptions& options)
      : RecordParser(core::Format::kAlertmanager, options, TopLevel::kArray) {}

 private:
  RecordStatus ParseRecord(od::value& record, uint32_t offset) override;

  KeyOrder order_;         // The alerts' top-level key order (key_order.h).
  KeyOrder label_order_;   // Their label names' order (Prometheus sends them sorted).
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_ALERTMANAGER_PARSER_H_
