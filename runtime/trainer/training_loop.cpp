// One TrainingRun object holds the state of a run (data, parameters,
// optimizer, position) so that each phase (set-up, an epoch, validation, the
// final evaluation) is a short method that reads in order.
#include "runtime/trainer/training_loop.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "runtime/data/background_batches.h"
#include "runtime/file_io.h"
#include "runtime/optim/optimizer.h"
#include "runtime/philox.h"
#include "runtime/trainer/executor.h"
#include "runtime/trainer/progress.h"
#include "runtime/trainer/results_report.h"
#include "runtime/trainer/training_data.h"

namespace graphc::runtime {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string nonfinite_name(double v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

std::string plural(int64_t n, const char* word) {
  std::string s = cat(n, " ", word);
  if (n != 1) s += "s";
  return s;
}

// A checkpoint is first written after an epoch; a typo in its directory
// should not cost that epoch.
void check_directory_exists(const char* flag, const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw Error(cat(flag, " ", path, ": directory ", dir.string(), " does not exist"));
}

class TrainingRun {
 public:
  TrainingRun(const Program& program, TrainerOptions options, std::ostream& out, bool terminal,
              const TrainerHooks& hooks, const LinkedCode& code)
      : program_(program),
        identity_(program),
        options_(std::move(options)),
        hooks_(hooks),
        code_(code),
        progress_(out, terminal, options_.quiet),
        metrics_(options_.metrics) {}

  TrainingOutcome run() {
    set_up();
    for (int64_t epoch = pos_.epoch; epoch < options_.epochs; ++epoch) {
      if (!run_epoch(epoch)) {
        outcome_.interrupted = true;
        break;
      }
    }
    if (!outcome_.interrupted) final_evaluation();
    executor_->gather(*store_, *optimizer_);
    if (profile_) write_profile();
    outcome_.position = pos_;
    outcome_.parameters = std::move(*store_);
    return std::move(outcome_);
  }

 private:
  void set_up() {
    std::optional<LoadedCheckpoint> checkpoint;
    if (!options_.resume.empty()) {
      checkpoint = read_checkpoint(options_.resume, identity_);
      if (options_.seed_given && options_.seed != checkpoint->seed)
        throw Error(cat("--seed ", options_.seed, " differs from the seed ", checkpoint->seed, " of ",
                        options_.resume, "; a resumed run keeps its seed (drop --seed)"));
      options_.seed = checkpoint->seed;
    }
    if (!options_.checkpoint.empty()) check_directory_exists("--checkpoint", options_.checkpoint);
    if (!options_.profile.empty()) {
      check_directory_exists("--profile", options_.profile);
      profile_.emplace();
    }
    data_ = load_training_data(program_, options_);
    store_.emplace(program_.train, options_.freeze);
    store_->initialize(program_.train, options_.seed);
    optimizer_ = std::make_unique<Optimizer>(options_.optimizer, store_->updated_size());
    has_correct_ = program_.train.find_output("correct") != nullptr;
    schedule_ = options_.schedule;
    schedule_.base_lr = options_.optimizer.lr;

    sampling_.batch_size = options_.batch_size;
    sampling_.shuffle = true;
    sampling_.drop_last = options_.drop_last;
    sampling_.seed = options_.seed;
    steps_per_epoch_ = data::BatchSampler(data_.train_indices, sampling_).batches_per_epoch();
    if (steps_per_epoch_ == 0)
      throw Error(cat("--drop-last leaves no batch: ", data_.train_indices.size(), " training samples, batch size ",
                      options_.batch_size));
    if (options_.max_steps > 0) steps_per_epoch_ = std::min(steps_per_epoch_, options_.max_steps);
    total_steps_ = steps_per_epoch_ * options_.epochs;

    ExecutorOptions executor = executor_options(options_);
    executor.profile = profile_ ? &*profile_ : nullptr;
    executor_ = make_executor(program_, *store_, executor, code_);
    print_header();
    if (checkpoint) {
      restore_checkpoint(*checkpoint, *store_, *optimizer_);
      pos_ = checkpoint->position;
      if (pos_.train_samples != static_cast<int64_t>(data_.train_indices.size()))
        throw Error(cat(options_.resume, ": the checkpoint's run trained on ", pos_.train_samples,
                        " samples, this run has ", data_.train_indices.size(), " (other data or --val-split?)"));
      metrics_.continue_file(pos_.epoch);
      progress_.line(cat("resumed from ", options_.resume, " at epoch ", pos_.epoch + 1, ", step ", pos_.step,
                         " (sample ", pos_.data_cursor, " of the epoch)"));
    } else {
      pos_.train_samples = static_cast<int64_t>(data_.train_indices.size());
      pos_.data_order = order_hash(epoch_order(0));
      metrics_.start_new();
      if (!options_.init_from.empty()) progress_.line(init_from_weights(options_.init_from, *store_).str());
    }
    executor_->adopt(*store_, *optimizer_);
    // Batches leave their pixels to an executor that holds every data set the run reads.
    if (executor_->hold_data(data_.train) && (!data_.test || executor_->hold_data(*data_.test)))
      data_.train_batches.defer_pixels = data_.eval_batches.defer_pixels = true;
  }

  void print_header() {
    std::string what = cat(program_.model, ": ", plural(static_cast<int64_t>(data_.train_indices.size()), "training sample"));
    if (!data_.val_indices.empty()) what += cat(", ", data_.val_indices.size(), " validation");
    if (data_.test) what += cat(", ", data_.test->count, " test");
    progress_.line(cat(what, " from ", data_.description));
    progress_.line(cat(optimizer_kind_name(options_.optimizer.kind), " lr ", options_.optimizer.lr, " (",
                       schedule_kind_name(schedule_.kind), "), batch ", options_.batch_size, ", ",
                       plural(options_.epochs, "epoch"), " of ", plural(steps_per_epoch_, "step"), ", seed ",
                       options_.seed, "; ", store_->count(ParameterUse::updated), " of ", store_->slots().size(),
                       " parameter tensors trained (", store_->updated_count(), " values); ", executor_->name()));
  }

  std::vector<uint32_t> epoch_order(int64_t epoch) const {
    data::BatchSampler sampler(data_.train_indices, sampling_);
    sampler.start_epoch(static_cast<uint64_t>(epoch));
    return sampler.position().order;
  }

  // Returns false when a hook stopped the run.
  bool run_epoch(int64_t epoch) {
    data::BatchSampler sampler(data_.train_indices, sampling_);
    sampler.start_epoch(static_cast<uint64_t>(epoch));
    if (order_hash(sampler.position().order) != pos_.data_order)
      throw Error(cat("the sample order of epoch ", epoch + 1, " differs from the one the checkpoint ",
                      options_.resume, " recorded (other data or another split?)"));
    if (pos_.data_cursor > 0) {
      data::EpochPosition resumed = sampler.position();
      resumed.cursor = pos_.data_cursor;
      sampler.restore(std::move(resumed));
    }
    data::BackgroundBatches batches(data::BatchStream(data_.train, std::move(sampler), data_.train_batches),
                                    data::BackgroundBatches::ahead_for(options_.batch_size));

    // What this epoch will consume: fewer than all samples with --max-steps or --drop-last.
    const int64_t samples =
        std::min(static_cast<int64_t>(data_.train_indices.size()), steps_per_epoch_ * options_.batch_size);
    progress_.start_epoch(epoch + 1, options_.epochs, samples, static_cast<int64_t>(pos_.data_cursor));
    const Clock::time_point start = Clock::now();
    const int64_t first_samples = pos_.epoch_samples;
    while (pos_.epoch_step < steps_per_epoch_) {
      std::optional<data::Batch> batch = batches.next();
      if (!batch) break;
      step(*batch, epoch);
      if (pos_.epoch_samples > 0)  // a queued step's loss comes later
        progress_.step(static_cast<int64_t>(pos_.data_cursor), pos_.epoch_loss_sum / pos_.epoch_samples);
      if (options_.checkpoint_every > 0 && pos_.step % options_.checkpoint_every == 0) save();
      if (hooks_.stop_after_step && hooks_.stop_after_step(pos_)) return false;
    }
    finish_queued_steps();
    const double train_s = seconds_since(start);
    if (profile_) profile_->add_train_wall(train_s);

    EpochMetrics m;
    m.epoch = epoch + 1;
    m.train_loss = pos_.epoch_loss_sum / static_cast<double>(pos_.epoch_samples);
    if (has_correct_) m.train_acc = pos_.epoch_correct / static_cast<double>(pos_.epoch_samples);
    if (!data_.val_indices.empty()) {
      const EvalResult val = evaluate(*executor_, *store_, data_.train, data_.val_indices, data_.eval_batches,
                                      eval_batch_size(), false);
      m.val_loss = val.loss;
      m.val_acc = val.accuracy;
    }
    m.epoch_s = seconds_since(start);
    m.samples_per_s = train_s > 0 ? static_cast<double>(pos_.epoch_samples - first_samples) / train_s : 0;
    progress_.line(format_epoch_line(m));
    metrics_.add(m);
    outcome_.epochs.push_back(m);

    pos_.epoch = epoch + 1;
    pos_.epoch_step = 0;
    pos_.data_cursor = 0;
    pos_.data_order = order_hash(epoch_order(epoch + 1));
    pos_.epoch_loss_sum = 0;
    pos_.epoch_correct = 0;
    pos_.epoch_samples = 0;
    if (!options_.checkpoint.empty()) save();
    return true;
  }

  // Queues the step and its update. A step's loss is checked when its
  // result comes back: at once where steps run at once (so before the
  // update, as the error messages assume), else within queue_depth() steps
  // and always before a checkpoint, a hook or the epoch's end reads them.
  void step(const data::Batch& batch, int64_t epoch) {
    executor_->queue_train_step(batch, step_seed(options_.seed, pos_.step), *store_);
    queued_.push_back({pos_.step + 1, epoch + 1, batch.size()});
    // Clipping reads the norm, and a NaN loss must be reported as such first.
    if (static_cast<int>(queued_.size()) >= executor_->queue_depth() || options_.clip_grad_norm > 0 ||
        hooks_.stop_after_step)
      finish_queued_steps();
    const double lr = schedule_.lr_at(pos_.step, total_steps_, steps_per_epoch_);
    const std::optional<double> norm = executor_->update(*optimizer_, lr, options_.clip_grad_norm, *store_);
    if (norm && !std::isfinite(*norm))
      throw Error(cat("gradient norm is ", nonfinite_name(*norm), " at step ", pos_.step + 1, " (epoch ", epoch + 1,
                      ")"));
    pos_.step += 1;
    pos_.epoch_step += 1;
    pos_.data_cursor = batch.cursor_after;
  }

  // The results of the queued steps into the epoch's sums, in order.
  void finish_queued_steps() {
    if (queued_.empty()) return;
    const std::vector<StepResult> results = executor_->finished_steps();
    GRAPHC_ASSERT(results.size() == queued_.size(), queued_.size(), " steps queued, ", results.size(), " finished");
    for (size_t i = 0; i < results.size(); ++i) {
      const StepResult& r = results[i];
      const QueuedStep& q = queued_[i];
      if (!std::isfinite(r.loss))
        throw Error(cat("loss is ", nonfinite_name(r.loss), " at step ", q.step, " (epoch ", q.epoch,
                        "); try a lower --lr or --clip-grad-norm"));
      pos_.epoch_loss_sum += r.loss * static_cast<double>(q.samples);
      pos_.epoch_samples += q.samples;
      if (r.correct) pos_.epoch_correct += *r.correct;
    }
    queued_.clear();
  }

  void save() {
    finish_queued_steps();
    executor_->gather(*store_, *optimizer_);
    save_checkpoint(options_.checkpoint, identity_, *store_, *optimizer_, options_.seed, pos_);
  }

  void write_profile() {
    write_file_atomic(options_.profile, profile_->to_json().dump(1) + "\n");
    std::string table = profile_->table();
    if (!table.empty() && table.back() == '\n') table.pop_back();
    progress_.line(table);
    progress_.line(cat("profile written to ", options_.profile));
  }

  int64_t eval_batch_size() const { return std::max<int64_t>(1, std::min(program_.recipe.eval_batch_size, program_.max_batch)); }

  void final_evaluation() {
    FinalMetrics f;
    EvalResult r;
    if (data_.test) {
      std::vector<uint32_t> all(static_cast<size_t>(data_.test->count));
      for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint32_t>(i);
      r = evaluate(*executor_, *store_, *data_.test, all, data_.eval_batches, eval_batch_size(), true);
      f.class_names = data_.test->class_names;
    } else {
      r = evaluate(*executor_, *store_, data_.train, data_.train_indices, data_.eval_batches, eval_batch_size(), true);
      f.on_test_set = false;
      f.class_names = data_.train.class_names;
    }
    f.loss = r.loss;
    f.accuracy = r.accuracy;
    if (r.confusion) f.per_class_acc = r.confusion->per_class_accuracy();
    progress_.line(format_final_report(f, r.confusion ? &*r.confusion : nullptr));
    metrics_.add(f);
    outcome_.final_metrics = f;
    outcome_.confusion = std::move(r.confusion);
  }

  const Program& program_;
  const ProgramIdentity identity_;
  TrainerOptions options_;
  const TrainerHooks& hooks_;
  const LinkedCode& code_;
  Progress progress_;
  MetricsLog metrics_;
  TrainingData data_;
  std::optional<ParameterStore> store_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Executor> executor_;
  std::optional<KernelProfile> profile_;  // --profile
  LrSchedule schedule_;
  data::SamplerOptions sampling_;
  int64_t steps_per_epoch_ = 0;
  int64_t total_steps_ = 0;
  RunPosition pos_;
  // Steps queued whose results have not come back (finish_queued_steps).
  struct QueuedStep {
    int64_t step;   // 1-based, for messages
    int64_t epoch;  // 1-based
    int64_t samples;
  };
  std::vector<QueuedStep> queued_;
  bool has_correct_ = false;
  TrainingOutcome outcome_;
};

}  // namespace

uint64_t step_seed(uint64_t seed, int64_t step) {
  constexpr uint32_t kDropoutStream = 0x44524f50;  // "DROP"
  const auto s = static_cast<uint64_t>(step);
  const PhiloxCounter words = philox4x32({static_cast<uint32_t>(s), static_cast<uint32_t>(s >> 32), kDropoutStream, 0},
                                         {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  return (uint64_t{words[0]} | uint64_t{words[1]} << 32) & ((uint64_t{1} << 53) - 1);
}

TrainingOutcome train(const Program& program, const TrainerOptions& options, std::ostream& out, bool terminal,
                      const TrainerHooks& hooks, const LinkedCode& code) {
  return TrainingRun(program, options, out, terminal, hooks, code).run();
}

}  // namespace graphc::runtime
