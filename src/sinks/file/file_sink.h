// src/sinks/file/file_sink.h
//
// FileSink: a Receiver appending each notification as one JSON line (notification_json.h) to a
// file, opened with O_APPEND on every delivery batch so log rotation by rename works. Delivery is
// synchronous (Deliver reports before returning): OK once the line is written (and fdatasync'd
// when `fsync`), Unavailable when the write fails (disk full: retried). Errors name the receiver
// and the path, never the content. It writes every notification it is given: send_resolved: false
// is applied around it (BuildReceivers wraps it in a SendResolvedReceiver, send_resolved_receiver.h).
// Thread-safe (one mutex).
#ifndef QUELL_SINKS_FILE_FILE_SINK_H_
#define QUELL_SINKS_FILE_FILE_SINK_H_

#include <memory>
#include <mutex>
#include <string>

#include "sinks/file/file_config.h"
#include "sinks/receiver.h"

namespace quell::sinks {

class FileSink final : public Receiver {
 public:
  FileSink(std::string name, int index, FileConfig config);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "file"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

 private:
  std::string name_;
  std::string id_;
  FileConfig config_;
  std::mutex mu_;
  std::string line_;  // Guarded by mu_; reused.
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_FILE_FILE_SINK_H_
