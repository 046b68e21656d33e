#include "core/alertmanager_alert_order.h"

#include <algorithm>
#include <vector>

#include "core/label_set.h"
#include "gtest/gtest.h"

namespace quell::core {
namespace {

// Alertmanager's AlertSlice.Less and prometheus/common's LabelSet.Before, on label views
// (sinks/alert_order_test.cc checks more cases through the receivers' wrapper).
TEST(AlertOrderTest, JobThenInstanceThenFewerLabelsThenValues) {
  const LabelSet job_b{{"job", "b"}}, job_a{{"job", "a"}, {"z", "9"}}, none{{"a", "1"}};
  EXPECT_TRUE(AlertmanagerAlertBefore(job_a.view(), job_b.view()));
  EXPECT_TRUE(AlertmanagerAlertBefore(job_b.view(), none.view()));  // Having `job` comes first.
  EXPECT_FALSE(AlertmanagerAlertBefore(none.view(), job_b.view()));
  const LabelSet i1{{"instance", "10.0.0.1"}}, i2{{"instance", "10.0.0.2"}};
  EXPECT_TRUE(AlertmanagerAlertBefore(i1.view(), i2.view()));
  const LabelSet one{{"z", "z"}}, two{{"a", "a"}, {"b", "b"}};
  EXPECT_TRUE(AlertmanagerAlertBefore(one.view(), two.view()));  // Fewer labels first.
  const LabelSet ac{{"a", "2"}, {"c", "1"}}, ab{{"a", "2"}, {"b", "1"}};
  EXPECT_TRUE(AlertmanagerAlertBefore(ac.view(), ab.view()));  // Lacks "b", the first name only one has.
  const LabelSet v10{{"a", "1"}, {"b", "10"}}, v9{{"a", "1"}, {"b", "9"}};
  EXPECT_TRUE(AlertmanagerAlertBefore(v10.view(), v9.view()));  // Bytewise.
  EXPECT_FALSE(AlertmanagerAlertBefore(v9.view(), v9.view()));
}

}  // namespace
}  // namespace quell::core
