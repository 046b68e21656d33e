// src/sinks/stdout/stdout_sink.h
//
// StdoutSink: a Receiver writing each notification as one JSON line to a stdio stream (stdout by
// default; tests pass a tmpfile). Synchronous: reports before Deliver returns; a failed write is
// Unavailable. Lines are written whole under a mutex and flushed. It writes every notification it
// is given: send_resolved: false is applied around it (BuildReceivers wraps it in a
// SendResolvedReceiver, send_resolved_receiver.h). Thread-safe. `out` must outlive the sink.
#ifndef QUELL_SINKS_STDOUT_STDOUT_SINK_H_
#define QUELL_SINKS_STDOUT_STDOUT_SINK_H_

#include <cstdio>
#include <mutex>
#include <string>

#include "sinks/receiver.h"
#include "sinks/stdout/stdout_config.h"

namespace quell::sinks {

class StdoutSink final : public Receiver {
 public:
  // `stdout_configs` entries hold only send_resolved, which BuildReceivers applies around the sink.
  StdoutSink(std::string name, int index, std::FILE* out = stdout);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "stdout"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

 private:
  std::string name_;
  std::string id_;
  std::FILE* out_;
  std::mutex mu_;
  std::string line_;  // Guarded by mu_.
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_STDOUT_STDOUT_SINK_H_
