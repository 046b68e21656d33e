// src/ingest/kafka/mock_kafka_main.cc
//
// quell-mock-kafka: starts librdkafka's in-process mock Kafka cluster (MockCluster), creates the
// topics asked for, prints the bootstrap servers as the first line of stdout and runs until
// SIGINT/SIGTERM, so kcat, a Quell instance or any Kafka client can produce to and consume from it.
//
//   quell-mock-kafka --brokers 3 --topic alerts:6 --topic quell-dead-letters:1
//   kcat -P -b "$(head -1 out)" -t alerts ...
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <unistd.h>

#include "CLI/CLI.hpp"
#include "ingest/kafka/mock_cluster.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"quell-mock-kafka: an in-process mock Kafka cluster (librdkafka rdkafka_mock)"};
  int brokers = 3;
  std::vector<std::string> topics;
  app.add_option("--brokers", brokers, "Number of brokers (ids 1..N) on 127.0.0.1")
      ->check(CLI::Range(1, 16));
  app.add_option("--topic", topics, "Create a topic: NAME[:PARTITIONS] (default 1 partition)");
  CLI11_PARSE(app, argc, argv);

  auto cluster = quell::ingest::MockCluster::Create(brokers);
  if (!cluster.ok()) {
    std::fprintf(stderr, "quell-mock-kafka: %s\n", std::string(cluster.status().message()).c_str());
    return 1;
  }
  for (const std::string& t : topics) {
    std::string name = t;
    int partitions = 1;
    size_t colon = t.rfind(':');
    if (colon != std::string::npos) {
      name = t.substr(0, colon);
      try {
        partitions = std::stoi(t.substr(colon + 1));
      } catch (...) {
        partitions = 0;
      }
    }
    if (name.empty() || partitions < 1) {
      std::fprintf(stderr, "quell-mock-kafka: --topic %s: expected NAME[:PARTITIONS]\n", t.c_str());
      return 2;
    }
    absl::Status s = (*cluster)->CreateTopic(name, partitions);
    if (!s.ok()) {
      std::fprintf(stderr, "quell-mock-kafka: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("%s\n", (*cluster)->bootstrap_servers().c_str());
  std::fflush(stdout);
  while (!g_stop) usleep(100 * 1000);
  return 0;
}
