// src/ingest/signal_json.h
//
// Deterministic one-line JSON renderings of a parsed Signal and of a Rejection: every field in a
// fixed order, labels in name order and annotations in the order added, times as Unix nanoseconds.
// Golden tests compare these lines (tests/data/golden/<format>/NAME.expected.jsonl); tools may use
// them to dump what a parser made of a body. Not for the hot path (allocates).
// Thread-safety: stateless functions.
#ifndef QUELL_INGEST_SIGNAL_JSON_H_
#define QUELL_INGEST_SIGNAL_JSON_H_

#include <string>

#include "core/dead_letter.h"
#include "core/signal.h"
#include "core/signal_batch.h"

namespace quell::ingest {

// {"kind":"alert","state":"firing",...,"labels":{...},"annotations":{...}}
std::string SignalToJson(const core::SignalBatch& batch, const core::Signal& s);
// {"rejected":"missing_field","offset":12,"record":0,"field":"labels"}
std::string RejectionToJson(const core::Rejection& r);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_SIGNAL_JSON_H_
