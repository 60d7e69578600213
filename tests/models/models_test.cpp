// Parameter counts and per-stage output shapes of every network, against the spec
// (../shared/spec/models.md), and a few training steps of each on generated data.
#include <cmath>
#include <map>

#include "engine/autograd.h"
#include "engine/nn/module.h"
#include "engine/nn/summary.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "models/cam16_classifier.h"
#include "models/combined_wbc.h"
#include "models/kandel_cnn.h"
#include "models/prcc_autoencoder.h"
#include "models/resnet.h"
#include "models/study_b_nets.h"
#include "models/wbc_net.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::models;
using FreezeMode = nn::Module::FreezeMode;

// Output shape of every named module whose name is in `wanted`, for one forward of `x`
// (as `leuko summary` finds them).
static std::map<std::string, Shape> stage_shapes(nn::Module& net, const Tensor& x,
                                                 const std::vector<std::string>& wanted) {
  std::map<std::string, Shape> shapes;
  const nn::NetworkSummary s = nn::summarize(
      net, [&](const Tensor& t) { return net(t); }, x);
  for (const nn::LayerSummary& row : s.layers) {
    if (row.called && std::find(wanted.begin(), wanted.end(), row.name) != wanted.end())
      shapes[row.name] = row.output;
  }
  return shapes;
}

TEST_CASE("WBC net: 175,533 parameters and the spec's stage shapes") {
  WbcNet net;
  CHECK(net.parameter_count() == 175533);
  net.eval();
  const auto shapes = stage_shapes(net, zeros({1, 3, 256, 256}),
                                   {"conv1", "conv2", "res2", "conv3", "conv4", "res4", ""});
  CHECK(shapes.at("conv1") == Shape{1, 64, 128, 128});
  CHECK(shapes.at("conv2") == Shape{1, 64, 64, 64});
  CHECK(shapes.at("res2") == Shape{1, 64, 64, 64});
  CHECK(shapes.at("conv3") == Shape{1, 32, 32, 32});
  CHECK(shapes.at("conv4") == Shape{1, 16, 16, 16});
  CHECK(shapes.at("res4") == Shape{1, 16, 16, 16});
  CHECK(shapes.at("") == Shape{1, 5});
}

TEST_CASE("WBC net at other sizes: the head is sized from the input, below 32 px refused") {
  // fc1 takes 8 (side/32)^2 features: 512 at 256 px, 128 at 128 px, 8 at 33 px.
  for (const auto& [side, fc1_inputs] :
       std::vector<std::pair<int, int64_t>>{{128, 128}, {33, 8}, {96, 72}}) {
    CAPTURE(side);
    WbcNet net(5, side);
    CHECK(net.parameter_count() == 175533 - (512 - fc1_inputs) * 64);
    net.eval();
    NoGradGuard no_grad;
    CHECK(net(zeros({2, 3, side, side})).shape() == Shape{2, 5});
  }
  CHECK_THROWS_WITH_AS(WbcNet(5, 31), doctest::Contains("at least 32 px"), Error);
}

TEST_CASE("pRCC autoencoder: 134,691 parameters, latent 128x64x64 at 512x512") {
  PrccAutoencoder ae;
  CHECK(ae.parameter_count() == 134691);
  CHECK(ae.parameter_count() + PrccAutoencoder::unused_batchnorm_parameters == 135657);
  NoGradGuard no_grad;
  const Tensor latent = ae.encode(zeros({1, 3, 512, 512}));
  CHECK(latent.shape() == Shape{1, 128, 64, 64});
  const Tensor reconstruction = ae.decode(latent);
  CHECK(reconstruction.shape() == Shape{1, 3, 512, 512});
  for (float v : reconstruction.slice(2, 0, 4).to_vector()) CHECK((v > 0.0f && v < 1.0f));
}

TEST_CASE("ResNet-18 and ResNet-50: torchvision parameter counts, names and stage shapes") {
  ResNet r18(ResNet::Depth::resnet18, 1000);
  CHECK(r18.parameter_count() == 11689512);
  const auto state = r18.state_dict();
  for (const char* key :
       {"conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
        "layer2.0.downsample.1.num_batches_tracked", "layer4.1.bn2.bias", "fc.weight", "fc.bias"}) {
    CHECK_MESSAGE(state.count(key) == 1, key);
  }
  r18.eval();
  const auto shapes =
      stage_shapes(r18, zeros({1, 3, 224, 224}), {"layer1", "layer2", "layer3", "layer4", ""});
  CHECK(shapes.at("layer1") == Shape{1, 64, 56, 56});
  CHECK(shapes.at("layer2") == Shape{1, 128, 28, 28});
  CHECK(shapes.at("layer3") == Shape{1, 256, 14, 14});
  CHECK(shapes.at("layer4") == Shape{1, 512, 7, 7});
  CHECK(shapes.at("") == Shape{1, 1000});

  ResNet body18(ResNet::Depth::resnet18, 0);
  CHECK(body18.parameter_count() == 11176512);
  ResNet r50(ResNet::Depth::resnet50, 0);
  CHECK(r50.parameter_count() == 23508032);
  CHECK(r50.feature_count() == 2048);
  CHECK(r50.state_dict().count("layer3.5.conv3.weight") == 1);
}

TEST_CASE("ResNet freezing through a stage: Study B's first six children") {
  ResNet r18(ResNet::Depth::resnet18, 1000);
  r18.freeze_through("layer2", FreezeMode::gradients_only);
  CHECK(r18.parameter_count() - r18.parameter_count(true) == 683072);
  CHECK_THROWS_WITH_AS(r18.freeze_through("layer9", FreezeMode::full),
                       doctest::Contains("unknown stage"), Error);
}

TEST_CASE("Camelyon16 classifier: 77,233 trainable on a frozen ResNet-18") {
  Cam16Classifier cam;
  CHECK(cam.parameter_count(true) == 77233);
  CHECK(cam.parameter_count() == 77233 + 11176512);
  cam.eval();
  NoGradGuard no_grad;
  const auto out = cam.run(zeros({2, 3, 224, 224}));
  CHECK(out.penultimate.shape() == Shape{2, 5});
  CHECK(out.logits.shape() == Shape{2, 2});
}

TEST_CASE("combined WBC model: 861,552 trainable, frozen branches get no gradient") {
  auto prcc = std::make_shared<PrccAutoencoder>();
  auto cam = std::make_shared<Cam16Classifier>();
  CombinedWbc net(prcc, cam, FreezeMode::gradients_only);
  CHECK(net.parameter_count(true) == 861552);
  net.train();
  Generator g(1);
  const Tensor logits =
      net.run(rand({2, 3, 256, 256}, g), net.prcc_latent(rand({2, 3, 512, 512}, g)),
              rand({2, 3, 224, 224}, g));
  CHECK(logits.shape() == Shape{2, 5});
  cross_entropy(logits, from_vector_i64({0, 3}, {2})).backward();
  for (const auto& [name, p] : net.named_parameters()) {
    CHECK_MESSAGE(p.grad().defined() == p.requires_grad(), name);
  }
}

TEST_CASE("Kandel ELU CNN: 9,171,652 parameters and the spec's block shapes at 320x240") {
  KandelCnn net;
  CHECK(net.parameter_count() == 9171652);
  net.eval();
  const auto shapes = stage_shapes(net, zeros({1, 3, 320, 240}),
                                   {"block1", "block2", "block3", "block4", "block5", ""});
  CHECK(shapes.at("block1") == Shape{1, 32, 160, 120});
  CHECK(shapes.at("block2") == Shape{1, 64, 53, 40});
  CHECK(shapes.at("block3") == Shape{1, 128, 17, 13});
  CHECK(shapes.at("block4") == Shape{1, 256, 5, 4});
  CHECK(shapes.at("block5") == Shape{1, 512, 2, 2});
  CHECK(shapes.at("") == Shape{1, 4});
}

TEST_CASE(
    "Study B classifier: the study's 11,954,157 parameters (C = 5), 11,271,085 trainable with six "
    "children frozen") {
  StudyBClassifier net(5);
  CHECK(net.parameter_count() == 11954157);  // encoder 11,689,512 + head 264,645
  CHECK(StudyBClassifier(2).parameter_count() == 11954058);
  CHECK(net.state_dict().count("encoder.fc.weight") == 1);  // the 1000-wide latent
  net.encoder().freeze_through("layer2", FreezeMode::gradients_only);
  CHECK(net.parameter_count(true) == 11271085);
  net.eval();
  const auto shapes = stage_shapes(net, zeros({2, 3, 64, 64}), {"encoder", ""});
  CHECK(shapes.at("encoder") == Shape{2, 1000});
  CHECK(shapes.at("") == Shape{2, 5});
}

TEST_CASE("Study B autoencoder: size-parameterised decoder, counts and shapes") {
  // Decoder = Linear 1000 -> w*(s/16)^2 (+bias), BN1d (2 per cell), transposed convs 2x2
  // w -> w/2 -> w/4 -> w/8 -> 3 (in*out*4 + out each); the encoder adds 11,689,512.
  // s = 64, w = 64: 1,025,024 + 2,048 + 8,224 + 2,064 + 520 + 99 = 1,037,979.
  CHECK(StudyBAutoencoder(64, 64).parameter_count() == 11689512 + 1037979);
  // s = 224, w = 256 (the full profile): 50,226,176 + 100,352 + 131,200 + 32,832 + 8,224 + 387.
  CHECK(StudyBAutoencoder(224, 256).parameter_count() == 11689512 + 50499171);

  StudyBAutoencoder ae(48, 16);
  ae.eval();
  const auto shapes = stage_shapes(ae, zeros({2, 3, 48, 48}), {"encoder", "fc", "up1", "up3", ""});
  CHECK(shapes.at("encoder") == Shape{2, 1000});
  CHECK(shapes.at("fc") == Shape{2, 16 * 3 * 3});
  CHECK(shapes.at("up1") == Shape{2, 8, 6, 6});
  CHECK(shapes.at("up3") == Shape{2, 2, 24, 24});
  CHECK(shapes.at("") == Shape{2, 3, 48, 48});

  // A classifier stage starts from an autoencoder stage's encoder: the names agree.
  const auto encoder_state = StudyBClassifier(2).state_dict();
  for (const auto& [name, tensor] : ae.state_dict())
    if (name.rfind("encoder.", 0) == 0) CHECK_MESSAGE(encoder_state.count(name) == 1, name);

  CHECK_THROWS_WITH_AS(StudyBAutoencoder(40, 16), doctest::Contains("multiple of 16"), Error);
  CHECK_THROWS_WITH_AS(StudyBAutoencoder(32, 4), doctest::Contains("at least 8"), Error);
}

TEST_CASE(
    "freeze modes on a real network: gradients-only frozen BN still tracks batch stats, full does "
    "not") {
  for (const auto mode : {FreezeMode::gradients_only, FreezeMode::full}) {
    Cam16Classifier cam(mode);
    cam.train();
    const Tensor running_mean = cam.backbone().state_dict().at("bn1.running_mean");
    const std::vector<float> before = running_mean.to_vector();
    Generator g(2);
    Tensor loss = cross_entropy(cam(rand({2, 3, 64, 64}, g)), from_vector_i64({0, 1}, {2}));
    loss.backward();
    const bool moved = running_mean.to_vector() != before;
    CHECK(moved == (mode == FreezeMode::gradients_only));
    for (const auto& [name, p] : cam.backbone().named_parameters()) {
      CHECK_MESSAGE(!p.grad().defined(), name);
    }
  }
}

// Two optimizer steps on generated data: the loss is finite, every trainable parameter
// moves, every frozen one stays.
template <typename Forward>
static void check_trains(nn::Module& net, Forward loss_of_batch) {
  std::map<std::string, std::vector<float>> before;
  for (const auto& [name, p] : net.named_parameters()) before[name] = p.to_vector();
  optim::Adam optimizer(net.trainable_parameters(), {.lr = 1e-3});
  net.train();
  for (int step = 0; step < 2; ++step) {
    Tensor loss = loss_of_batch();
    REQUIRE(std::isfinite(loss.item()));
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
  }
  for (const auto& [name, p] : net.named_parameters()) {
    const bool moved = p.to_vector() != before[name];
    CHECK_MESSAGE(moved == p.requires_grad(), name);
  }
}

TEST_CASE("every network trains a few steps on generated data") {
  Generator g(4);
  const Tensor two_labels = from_vector_i64({1, 3}, {2});
  SUBCASE("WBC net") {
    WbcNet net;
    check_trains(net, [&] { return cross_entropy(net(rand({2, 3, 256, 256}, g)), two_labels); });
  }
  SUBCASE("pRCC autoencoder with the SSIM loss (fully convolutional: 64x64 here)") {
    PrccAutoencoder ae;
    check_trains(ae, [&] {
      const Tensor x = rand({2, 3, 64, 64}, g);
      return ssim_loss(ae(x), x, 255.0f);
    });
  }
  SUBCASE("Camelyon16 classifier (frozen backbone)") {
    Cam16Classifier cam;
    check_trains(cam, [&] {
      return cross_entropy(cam(rand({2, 3, 64, 64}, g)), from_vector_i64({0, 1}, {2}));
    });
  }
  SUBCASE("combined WBC model") {
    CombinedWbc net(std::make_shared<PrccAutoencoder>(), std::make_shared<Cam16Classifier>(),
                    FreezeMode::gradients_only);
    check_trains(net, [&] {
      return cross_entropy(
          net.run(rand({2, 3, 256, 256}, g), net.prcc_latent(rand({2, 3, 512, 512}, g)),
                  rand({2, 3, 224, 224}, g)),
          two_labels);
    });
  }
  SUBCASE("ResNet-18 and ResNet-50 with a replaced head, stem and layer1 frozen") {
    for (const auto depth : {ResNet::Depth::resnet18, ResNet::Depth::resnet50}) {
      ResNet net(depth, 5);
      net.freeze_through("layer1", FreezeMode::full);
      check_trains(net, [&] { return cross_entropy(net(rand({2, 3, 64, 64}, g)), two_labels); });
    }
  }
  SUBCASE("Study B autoencoder (MSE) and classifier with six children frozen") {
    // Batch 4 at 64 px: batch norm over only two values (batch 2, a 1x1 map) gives +-1
    // whatever its input, hence no gradient to the layers before it. Decoder width 32: at
    // width 8 the third transposed conv has a single channel, which its ReLU can zero out.
    StudyBAutoencoder ae(64, 32);
    check_trains(ae, [&] {
      const Tensor x = rand({4, 3, 64, 64}, g);
      return mse_loss(ae(x), x);
    });
    StudyBClassifier net(5);
    net.encoder().freeze_through("layer2", FreezeMode::gradients_only);
    check_trains(net, [&] {
      return cross_entropy(net(rand({4, 3, 64, 64}, g)), from_vector_i64({1, 3, 0, 4}, {4}));
    });
  }
  SUBCASE("Kandel ELU CNN with dropout (model 4)") {
    KandelCnn net(4, 0.3f);
    check_trains(net, [&] {
      return cross_entropy(net(mul(rand({2, 3, 320, 240}, g), 255.0f)),
                           from_vector_i64({0, 3}, {2}));
    });
  }
}
