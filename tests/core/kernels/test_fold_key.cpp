// The fold cache's key (core/kernels/fold_key.h): equal exactly when every field that shapes a
// fold is equal, with a hash that agrees with equality.

#include "core/kernels/fold_key.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace ntk::test {
namespace {

using core::FoldKey;

TEST(FoldKey, EveryFieldThatShapesAFoldTellsKeysApart) {
  const FoldKey base;
  const std::vector<std::function<void(FoldKey&)>> changes = {
      [](FoldKey& k) { k.kind = core::FoldKind::compression; },
      [](FoldKey& k) { k.rows.mode = core::WorkloadMode::projection; },
      [](FoldKey& k) { k.rows.L += 1; },
      [](FoldKey& k) { k.rows.d += 1; },
      [](FoldKey& k) { k.rows.m += 1; },
      [](FoldKey& k) { k.rows.scale = 0.5000000000000001; },
      [](FoldKey& k) { k.rows.dist = core::Distribution::uniform; },
      [](FoldKey& k) { k.rows.seed += 1; },
      [](FoldKey& k) { k.rows.match = 1; },
      [](FoldKey& k) { k.rows.queries = 1; },
      [](FoldKey& k) { k.rows.dv = 3; },
      [](FoldKey& k) { k.precision = core::Precision::float32; },
      [](FoldKey& k) { k.feature = core::FeatureKind::favor; },
      [](FoldKey& k) { k.degree += 1; },
      [](FoldKey& k) { k.features += 1; },
      [](FoldKey& k) { k.orthogonal = true; },
      [](FoldKey& k) { k.feature_seed += 1; },
      [](FoldKey& k) { k.width = 512; },
  };
  const core::FoldKeyHash hash;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    FoldKey changed = base;
    changes[i](changed);
    EXPECT_FALSE(changed == base) << "change " << i;
    EXPECT_NE(hash(changed), hash(base)) << "change " << i;
    FoldKey same = base;
    changes[i](same);
    EXPECT_TRUE(same == changed) << "change " << i;
    EXPECT_EQ(hash(same), hash(changed)) << "change " << i;
  }
}

// Keys that compare equal hash equal, also where their bits differ (-0.0 == 0.0).
TEST(FoldKey, EqualKeysHashEqual) {
  FoldKey zero, negative_zero;
  zero.rows.match = 0.0;
  negative_zero.rows.match = -0.0;
  ASSERT_TRUE(zero == negative_zero);
  EXPECT_EQ(core::FoldKeyHash{}(zero), core::FoldKeyHash{}(negative_zero));
}

}  // namespace
}  // namespace ntk::test
