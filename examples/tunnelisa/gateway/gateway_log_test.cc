// File: examples/tunnelisa/gateway/gateway_log_test.cc
//
// GatewayLog's flushing: a line is in the file as soon as it is logged, except on a thread that
// deferred its flushes, whose lines reach the file at its FlushDeferred (the gateway's control
// thread calls it before it sends, delivers, answers or waits).
#include "examples/tunnelisa/gateway/gateway_log.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace tunnelisa::gateway {
namespace {

// FileText: what the file holds now (as another process tailing it would read it).
std::string FileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(GatewayLogTest, ADeferringThreadsLinesReachTheFileAtFlushDeferredOthersAtOnce) {
  char dir[] = "/tmp/tunnelisa-gateway-log-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/gw.log";
  {
    auto log = GatewayLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    GatewayLog& l = **log;

    // A thread that did not defer (a worker): each line at once.
    std::thread worker([&l] { l.Info("from the worker"); });
    worker.join();
    EXPECT_NE(FileText(path).find("info: from the worker"), std::string::npos);

    // This thread defers: its lines wait for FlushDeferred, in order.
    l.DeferFlushOnThisThread();
    l.Info("first");
    l.Warning("second");
    EXPECT_EQ(FileText(path).find("first"), std::string::npos);
    l.FlushDeferred();
    const std::string text = FileText(path);
    const size_t first = text.find("info: first");
    const size_t second = text.find("warning: second");
    ASSERT_NE(first, std::string::npos);
    ASSERT_NE(second, std::string::npos);
    EXPECT_LT(first, second);
    // Nothing pending: another FlushDeferred writes nothing new.
    l.FlushDeferred();
    EXPECT_EQ(FileText(path), text);
  }
  std::remove(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace tunnelisa::gateway
