// src/core/rpc_status_test.cc
#include "core/rpc_status.h"

#include <string>

#include "gtest/gtest.h"

namespace quell::core {
namespace {

TEST(RpcStatusTest, CodesForHttpStatuses) {
  EXPECT_EQ(RpcCodeForHttpStatus(400), 3);
  EXPECT_EQ(RpcCodeForHttpStatus(403), 7);
  EXPECT_EQ(RpcCodeForHttpStatus(413), 8);
  EXPECT_EQ(RpcCodeForHttpStatus(415), 3);
  EXPECT_EQ(RpcCodeForHttpStatus(429), 8);
  EXPECT_EQ(RpcCodeForHttpStatus(503), 14);
  EXPECT_EQ(RpcCodeForHttpStatus(500), 2);
}

TEST(RpcStatusTest, ProtobufEncoding) {
  EXPECT_EQ(RpcStatusProtobuf(3, "no"), std::string("\x08\x03\x12\x02no", 6));
  EXPECT_EQ(RpcStatusProtobuf(0, ""), "");
  // A message of 200 bytes: its length is a two-byte varint (0xc8 0x01).
  const std::string m(200, 'x');
  EXPECT_EQ(RpcStatusProtobuf(14, m), std::string("\x08\x0e\x12\xc8\x01", 5) + m);
  // A negative code is a ten-byte varint, as protobuf writes int32.
  EXPECT_EQ(RpcStatusProtobuf(-1, "").size(), 11u);
}

TEST(RpcStatusTest, ResponseCarriesStatusTypeAndBody) {
  HttpResponse r = RpcStatusResponse(429, "slow down");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.content_type, "application/x-protobuf");
  EXPECT_EQ(r.body, RpcStatusProtobuf(8, "slow down"));  // RESOURCE_EXHAUSTED.
}

TEST(RpcStatusTest, JsonResponseAndOtlpPaths) {
  HttpResponse r = RpcStatusJsonResponse(413, "too \"big\"");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"code":8,"message":"too \"big\""})");
  EXPECT_TRUE(IsOtlpHttpPath("/v1/logs"));
  EXPECT_TRUE(IsOtlpHttpPath("/v1/traces/"));
  EXPECT_TRUE(IsOtlpHttpPath("/v1/metrics"));
  EXPECT_FALSE(IsOtlpHttpPath("/v1/metricsx"));
  EXPECT_FALSE(IsOtlpHttpPath("/api/v2/logs"));
  EXPECT_FALSE(IsOtlpHttpPath("/"));
}

TEST(RpcStatusTest, ProtobufContentTypes) {
  EXPECT_TRUE(IsProtobufContentType("application/x-protobuf"));
  EXPECT_TRUE(IsProtobufContentType("Application/X-Protobuf; charset=binary"));
  EXPECT_TRUE(IsProtobufContentType(" application/protobuf "));
  EXPECT_FALSE(IsProtobufContentType("application/json"));
  EXPECT_FALSE(IsProtobufContentType("application/grpc+proto"));
  EXPECT_FALSE(IsProtobufContentType(""));
}

TEST(RpcStatusTest, MessageReadsBackWhatWasWritten) {
  EXPECT_EQ(RpcStatusMessage(RpcStatusProtobuf(14, "pipeline full")), "pipeline full");
  EXPECT_EQ(RpcStatusMessage(RpcStatusProtobuf(3, std::string(300, 'x'))), std::string(300, 'x'));  // Two-byte length.
  EXPECT_EQ(RpcStatusMessage(RpcStatusProtobuf(3, "")), std::nullopt);
  std::string with_details = RpcStatusProtobuf(8, "slow down") + std::string("\x1a\x02\x0a\x00", 4);
  EXPECT_EQ(RpcStatusMessage(with_details), "slow down");
  EXPECT_EQ(RpcStatusMessage(std::string("\x12\x05" "ab", 4)), std::nullopt);  // Length past the end.
  EXPECT_EQ(RpcStatusMessage("{\"error\":\"json\"}"), std::nullopt);
  EXPECT_EQ(RpcStatusMessage(std::string("\x09\x01\x02", 3)), std::nullopt);  // A fixed64 cut short.
}

TEST(RpcStatusTest, VarintsRoundTripAndStopAtBadInput) {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{300}, ~uint64_t{0}}) {
    std::string bytes;
    AppendProtobufVarint(&bytes, v);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const unsigned char* end = p + bytes.size();
    uint64_t got = 1;
    ASSERT_TRUE(ReadProtobufVarint(&p, end, &got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, end) << v;  // Consumed exactly.
  }
  const std::string truncated("\x80\x80", 2), too_long(11, '\x80');
  for (const std::string& bad : {truncated, too_long}) {
    const auto* p = reinterpret_cast<const unsigned char*>(bad.data());
    uint64_t v = 0;
    EXPECT_FALSE(ReadProtobufVarint(&p, p + bad.size(), &v)) << bad.size();
  }
}

}  // namespace
}  // namespace quell::core
