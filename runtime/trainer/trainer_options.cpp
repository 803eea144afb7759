// One table defines every flag: its name, its value, its help line and how
// it sets the options. Parsing and --help both read it, so they cannot
// disagree, and adding a flag is one entry.
#include "runtime/trainer/trainer_options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>

namespace graphc::runtime {

namespace {

[[noreturn]] void bad_value(std::string_view flag, std::string_view value, std::string_view wanted) {
  throw UsageError(cat("--", flag, ": '", value, "' is not ", wanted));
}

int64_t parse_int(std::string_view flag, std::string_view value, int64_t lo, int64_t hi) {
  int64_t v = 0;
  auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || err != std::errc() || end != value.data() + value.size())
    bad_value(flag, value, "an integer");
  if (v < lo || v > hi) {
    std::string range = cat("an integer >= ", lo);
    if (hi != std::numeric_limits<int64_t>::max()) range = cat("an integer in [", lo, ", ", hi, "]");
    bad_value(flag, value, range);
  }
  return v;
}

double parse_number(std::string_view flag, std::string_view value) {
  const std::string s(value);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) bad_value(flag, value, "a finite number");
  return v;
}

double parse_at_least(std::string_view flag, std::string_view value, double lo, bool inclusive) {
  const double v = parse_number(flag, value);
  if (inclusive ? v < lo : v <= lo) bad_value(flag, value, cat("a number ", inclusive ? ">= " : "> ", lo));
  return v;
}

std::string parse_device(std::string_view flag, std::string_view value) {
  if (!is_device_name(value)) bad_value(flag, value, "cpu, cuda or interpreter");
  return std::string(value);
}

double parse_fraction(std::string_view flag, std::string_view value) {
  const double v = parse_number(flag, value);
  if (!(v >= 0 && v < 1)) bad_value(flag, value, "a fraction in [0, 1)");
  return v;
}

struct Flag {
  std::string name;
  std::string value;  // "" for a switch
  std::string help;
  std::function<void(TrainerOptions&, std::string_view)> set;
};

// The batch-size bound depends on the program, hence a function.
std::vector<Flag> flag_table(const Program& program) {
  const int64_t max_batch = program.max_batch;
  return {
      {"data", "PATH",
       "data set: MNIST IDX dir, CIFAR-10 binary dir, image-folder dir or .tar(.gz), .csv file "
       "(default: data/<set>, then ../shared/data/<set>)",
       [](TrainerOptions& o, std::string_view v) { o.data = v; }},
      {"epochs", "N", "passes over the training set",
       [](TrainerOptions& o, std::string_view v) {
         o.epochs = parse_int("epochs", v, 0, std::numeric_limits<int32_t>::max());
       }},
      {"batch-size", "B", cat("samples per step, at most ", max_batch, " (this trainer's max_batch)"),
       [max_batch](TrainerOptions& o, std::string_view v) {
         const int64_t b = parse_int("batch-size", v, 1, std::numeric_limits<int64_t>::max());
         if (b > max_batch)
           throw UsageError(cat("--batch-size ", b, " exceeds this trainer's max_batch of ", max_batch,
                                " (rebuild it with graphc --max-batch ", b, ")"));
         o.batch_size = b;
       }},
      {"lr", "X", "base learning rate",
       [](TrainerOptions& o, std::string_view v) { o.optimizer.lr = parse_at_least("lr", v, 0, true); }},
      {"optimizer", "NAME", "sgd | momentum | nesterov | adam | adamw",
       [](TrainerOptions& o, std::string_view v) {
         try {
           o.optimizer.kind = parse_optimizer_kind(v);
         } catch (const Error& e) {
           throw UsageError(cat("--optimizer: ", e.what()));
         }
       }},
      {"momentum", "M", "momentum for sgd, momentum and nesterov, in [0, 1)",
       [](TrainerOptions& o, std::string_view v) { o.optimizer.momentum = parse_fraction("momentum", v); }},
      {"weight-decay", "W", "L2 penalty (decoupled for adamw)",
       [](TrainerOptions& o, std::string_view v) {
         o.optimizer.weight_decay = parse_at_least("weight-decay", v, 0, true);
       }},
      {"schedule", "NAME", "learning-rate schedule: constant | step | cosine | onecycle",
       [](TrainerOptions& o, std::string_view v) {
         try {
           o.schedule.kind = parse_schedule_kind(v);
         } catch (const Error& e) {
           throw UsageError(cat("--schedule: ", e.what()));
         }
       }},
      {"clip-grad-norm", "X", "scale gradients down to this 2-norm when above it",
       [](TrainerOptions& o, std::string_view v) { o.clip_grad_norm = parse_at_least("clip-grad-norm", v, 0, false); }},
      {"seed", "S", "seed of initialisation, split, shuffling, augmentation and dropout",
       [](TrainerOptions& o, std::string_view v) {
         o.seed = static_cast<uint64_t>(parse_int("seed", v, 0, std::numeric_limits<int64_t>::max()));
         o.seed_given = true;
       }},
      {"device", "cpu|cuda|interpreter",
       "where the steps run: cpu runs the compiled CPU kernels, cuda the CUDA kernels on the GPU (trainers built "
       "with graphc --target cuda), interpreter the reference interpreter",
       [](TrainerOptions& o, std::string_view v) { o.device = parse_device("device", v); }},
      {"precision", "tf32|fp32|bf16",
       "matrix products on the GPU: tf32 rounds GEMM operands to TF32 on tensor cores, fp32 keeps full f32, bf16 "
       "rounds them to bfloat16 (f32 accumulation, f32 parameters and everything else)",
       [](TrainerOptions& o, std::string_view v) {
         for (MatmulPrecision p : {MatmulPrecision::tf32, MatmulPrecision::fp32, MatmulPrecision::bf16})
           if (v == matmul_precision_name(p)) {
             o.precision = p;
             return;
           }
         bad_value("precision", v, "tf32, fp32 or bf16");
       }},
      {"check-against", "cpu|cuda|interpreter",
       "do not train: run one training and one eval step on --device and on this device from the same "
       "parameters and batch, compare every output, exit 1 if any differs beyond --check-tolerance",
       [](TrainerOptions& o, std::string_view v) { o.check_against = parse_device("check-against", v); }},
      {"check-tolerance", "X", "largest difference --check-against accepts, as a fraction of each tensor's scale "
       "(default 1e-4; against cuda 1e-2 with tf32 GEMMs, 5e-2 with bf16)",
       [](TrainerOptions& o, std::string_view v) { o.check_tolerance = parse_at_least("check-tolerance", v, 0, true); }},
      {"threads", "N", "threads for the compiled kernels and for decoding data (0 = all cores)",
       [](TrainerOptions& o, std::string_view v) {
         o.threads = static_cast<int>(parse_int("threads", v, 0, 4096));
       }},
      {"val-split", "F", "fraction of the training set held out for validation",
       [](TrainerOptions& o, std::string_view v) { o.val_fraction = parse_fraction("val-split", v); }},
      {"drop-last", "", "drop each epoch's last partial training batch",
       [](TrainerOptions& o, std::string_view) { o.drop_last = true; }},
      {"augment", "", "random crop (4 px reflect padding) and horizontal flip of training images",
       [](TrainerOptions& o, std::string_view) { o.augment = true; }},
      {"no-augment", "", "no augmentation", [](TrainerOptions& o, std::string_view) { o.augment = false; }},
      {"checkpoint", "FILE", "save a checkpoint here at the end of every epoch (safetensors, atomic)",
       [](TrainerOptions& o, std::string_view v) { o.checkpoint = v; }},
      {"checkpoint-every", "N", "also save it every N steps",
       [](TrainerOptions& o, std::string_view v) {
         o.checkpoint_every = parse_int("checkpoint-every", v, 1, std::numeric_limits<int64_t>::max());
       }},
      {"resume", "FILE", "continue the run saved in this checkpoint, from the exact sample",
       [](TrainerOptions& o, std::string_view v) { o.resume = v; }},
      {"init-from", "FILE", "start from the weights in this safetensors file (matching names and shapes)",
       [](TrainerOptions& o, std::string_view v) { o.init_from = v; }},
      {"freeze", "PREFIX",
       "leave parameters whose names start with PREFIX unchanged (repeatable; their gradients are still "
       "computed: graphc --freeze removes that work)",
       [](TrainerOptions& o, std::string_view v) {
         if (v.empty()) bad_value("freeze", v, "a parameter name prefix");
         o.freeze.emplace_back(v);
       }},
      {"metrics", "FILE", "write metrics as JSON lines: one per epoch and a final one",
       [](TrainerOptions& o, std::string_view v) { o.metrics = v; }},
      {"profile", "FILE",
       "time every kernel, the inputs and the update of each step; print where a step's time goes at the end and "
       "write it here as JSON (on cuda each step is waited for, so samples/s drop)",
       [](TrainerOptions& o, std::string_view v) {
         if (v.empty()) bad_value("profile", v, "a file name");
         o.profile = v;
       }},
      {"max-steps", "N", "stop each epoch after N steps (tests, benchmarks)",
       [](TrainerOptions& o, std::string_view v) {
         o.max_steps = parse_int("max-steps", v, 1, std::numeric_limits<int64_t>::max());
       }},
      {"quiet", "", "print errors only", [](TrainerOptions& o, std::string_view) { o.quiet = true; }},
      {"help", "", "show this help", [](TrainerOptions& o, std::string_view) { o.help = true; }},
  };
}

const Flag* find_flag(const std::vector<Flag>& table, std::string_view name) {
  for (const Flag& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

void check_combination(const TrainerOptions& o) {
  if (o.checkpoint_every > 0 && o.checkpoint.empty())
    throw UsageError("--checkpoint-every needs --checkpoint FILE to say where to save");
  if (!o.profile.empty() && !o.check_against.empty())
    throw UsageError("--profile times a training run, and --check-against runs none");
  if (!o.resume.empty() && !o.init_from.empty())
    throw UsageError("--resume and --init-from exclude each other: a resumed run takes its weights from the checkpoint");
  try {
    validate(o.optimizer);
    validate(o.schedule);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

std::string default_value(const TrainerOptions& d, const std::string& flag) {
  if (flag == "data") return "";
  if (flag == "epochs") return cat(d.epochs);
  if (flag == "batch-size") return cat(d.batch_size);
  if (flag == "lr") return cat(d.optimizer.lr);
  if (flag == "optimizer") return std::string(optimizer_kind_name(d.optimizer.kind));
  if (flag == "momentum") return cat(d.optimizer.momentum);
  if (flag == "weight-decay") return cat(d.optimizer.weight_decay);
  if (flag == "schedule") return std::string(schedule_kind_name(d.schedule.kind));
  if (flag == "seed") return cat(d.seed);
  if (flag == "device") return d.device;
  if (flag == "precision") return matmul_precision_name(d.precision);
  if (flag == "val-split") return cat(d.val_fraction);
  if (flag == "augment" && d.augment) return "on";
  return "";
}

}  // namespace

double check_tolerance_for(const TrainerOptions& options) {
  if (options.check_tolerance) return *options.check_tolerance;
  // A bfloat16 operand keeps 8 bits of mantissa (a relative error up to
  // 2^-9 each), TF32 10; the sums and the layers after them add more.
  if (options.device != "cuda" && options.check_against != "cuda") return 1e-4;
  switch (options.precision) {
    case MatmulPrecision::fp32: return 1e-4;
    case MatmulPrecision::tf32: return 1e-2;
    case MatmulPrecision::bf16: return 5e-2;
  }
  return 1e-4;
}

ExecutorOptions executor_options(const TrainerOptions& options) {
  return {options.device, options.threads, options.precision};
}

TrainerOptions default_trainer_options(const Program& program) {
  const Recipe& r = program.recipe;
  TrainerOptions o;
  o.epochs = r.epochs;
  o.batch_size = std::min(r.batch_size, program.max_batch);
  o.device = program.default_device;
  try {
    o.optimizer.kind = parse_optimizer_kind(r.optimizer);
    o.schedule.kind = parse_schedule_kind(r.schedule);
  } catch (const Error& e) {
    throw Error(cat(program.model, "'s recipe: ", e.what()));
  }
  o.optimizer.lr = r.lr;
  o.optimizer.momentum = r.momentum;
  o.optimizer.weight_decay = r.weight_decay;
  o.schedule.base_lr = r.lr;
  o.val_fraction = r.val_fraction;
  o.augment = r.augment;
  return o;
}

TrainerOptions parse_trainer_args(const Program& program, const std::vector<std::string>& args) {
  TrainerOptions o = default_trainer_options(program);
  const std::vector<Flag> table = flag_table(program);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--")) throw UsageError(cat("unexpected argument '", arg, "' (flags start with --)"));
    arg.remove_prefix(2);
    std::optional<std::string_view> inline_value;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const Flag* flag = find_flag(table, arg);
    if (flag == nullptr) throw UsageError(cat("unknown flag --", arg));
    if (flag->value.empty()) {
      if (inline_value) throw UsageError(cat("--", arg, " takes no value"));
      flag->set(o, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 == args.size()) throw UsageError(cat("--", arg, " needs a value (", flag->value, ")"));
      inline_value = args[++i];
    }
    flag->set(o, *inline_value);
  }
  o.schedule.base_lr = o.optimizer.lr;
  if (!o.help) check_combination(o);
  return o;
}

std::string trainer_usage(const Program& program) {
  const TrainerOptions d = default_trainer_options(program);
  std::ostringstream os;
  os << "usage: train_" << program.model << " [flags]\n\n"
     << "Trains " << program.model << " (data set: " << program.recipe.dataset
     << "). Defaults come from the model's recipe.\n\nflags:\n";
  for (const Flag& f : flag_table(program)) {
    std::string head = "  --" + f.name;
    if (!f.value.empty()) head += " " + f.value;
    os << head;
    os << std::string(head.size() < 28 ? 28 - head.size() : 1, ' ') << f.help;
    const std::string def = default_value(d, f.name);
    if (!def.empty()) os << " [" << def << "]";
    os << "\n";
  }
  return os.str();
}

}  // namespace graphc::runtime
