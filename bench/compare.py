#!/usr/bin/env python3
"""Side-by-side training throughput: graphc trainers against the PyTorch reference.

For each workload it alternates runs of <bin>/train_<model> (default
build/bin) and shared/bench/torch_ref.py, one PyTorch run per mode of
--torch-modes (eager, compile or both: graphc, torch eager, torch compile,
graphc, ...) so that a change in the machine's load hits every side alike,
and reports the median samples/s of each side and graphc's ratio to each
PyTorch mode.

What makes the sides comparable (and why):
  * the same device: --device cpu|cuda goes to the trainer's --device and to
    torch_ref.py's --device (which moves the whole data set to the device
    first); --torch-modes compile adds torch_ref.py's --compile
    (torch.compile of the model);
  * the same batch size, thread count, optimizer and learning rate, and the
    same number of training steps on the same training set: graphc runs with
    --val-split 0 (all 60,000 / 50,000 training samples, as torch_ref.py uses)
    and --drop-last (torch_ref.py only takes full batches), so every step of
    every side is a full batch;
  * the timed span is the training steps only: start-up (reading and
    decoding the data set, building the model) and evaluation are outside it
    on every side. graphc's figure is the `samples_per_s` of its --metrics
    file, which times the epoch's steps before validation; torch_ref.py's is
    its per-epoch `samples_per_s`, which times the step loop before its test
    pass (synchronising the GPU at both ends on cuda);
  * --warmup-epochs N runs N epochs more at the start of every run and drops
    their timing on every side: torch.compile compiles inside the first
    timed epoch, and the first steps on a GPU pay for set-up (cuBLAS and
    cuDNN handles and heuristics, CUDA graph capture). The default is 1 on
    cuda or with compile, else 0;
  * the step count each side actually ran is checked against the one asked
    (graphc's header line, torch_ref.py's `steps`), so a --steps larger than
    one epoch fails instead of comparing different amounts of work.
What still differs: initial weights and sample order come from each side's
own RNG (the losses printed to stderr are close, not equal); graphc
assembles batches on a background thread while torch_ref.py gathers each
batch inside its timed loop; on cuda both sides round matrix-product
operands to TF32 by default, torch_ref.py in its matrix products and cuDNN
convolutions (torch.backends.*.allow_tf32), graphc's trainers in their
cuBLAS GEMMs (--precision tf32), so neither computes in plain float32 and
their rounding differs.

`--threads T` goes to torch_ref.py (torch.set_num_threads, and OMP_NUM_THREADS
and OPENBLAS_NUM_THREADS in its environment) and to the graphc
trainer when its --help lists a --threads flag; the report quotes that help
line, since what the flag governs is the trainer's business. On cuda they
govern the host side (data loading, PyTorch's CPU ops). The graphc trainer
gets --device DEVICE unless --graphc-device names another executor (e.g.
interpreter); the report names the executor the trainer's header line gives.
Data: --shared DIR is a folder laid out as ../shared is, data/mnist/ and
data/cifar10-jpeg.tar.gz (and bench/torch_ref.py unless --torch-ref); --data
DIR names the data folder alone.

Exit status: 0 when every run succeeded and reported its timing; 1 when the
set-up failed, or a run failed or printed no usable timing (its message,
naming the command, goes to stderr at once; the other sides and workloads
still run, the failed side's later rounds are skipped and the table shows
it as failed), or on SIGTERM/SIGINT (the runs finished so far are still
reported); 2 for a bad command line. Python standard library only.
"""

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Workload:
    model: str             # graphc model: <bin>/train_<model>
    torch_workload: str    # torch_ref.py WORKLOAD
    batch: int             # torch_ref.py's batch for that workload
    data: str              # under shared/data/
    optimizer: tuple       # graphc flags reproducing torch_ref.py's optimizer
    steps: int             # default steps per epoch
    epochs: int            # default epochs per run


# The optimizer settings are torch_ref.py's WORKLOADS table in graphc flags.
# Default run lengths (docs/benchmarks.md): on the 2-core development
# machine, mnist_mlp and lenet take 15-25 s on graphc's interpreter and
# 2-6 s in PyTorch; MNIST needs several epochs because --steps cannot exceed
# one (468 full batches). Raise --steps/--epochs for faster executors
# (tools/gpu/run.sh sizes them for one H100/H200).
WORKLOADS = {
    'mnist_mlp': Workload('mnist_mlp', 'mnist_mlp', 128, 'mnist',
                          ('--optimizer', 'sgd', '--momentum', '0', '--lr', '0.1'), 468, 5),
    'lenet': Workload('lenet', 'lenet_cifar_b64', 64, 'cifar10-jpeg.tar.gz',
                      ('--optimizer', 'momentum', '--momentum', '0.9', '--lr', '0.01'), 500, 1),
    'cifar_cnn': Workload('cifar_cnn', 'cifar_cnn', 128, 'cifar10-jpeg.tar.gz',
                          ('--optimizer', 'adam', '--lr', '0.001'), 20, 1),
    'resnet18': Workload('resnet18', 'resnet18', 128, 'cifar10-jpeg.tar.gz',
                         ('--optimizer', 'nesterov', '--momentum', '0.9', '--lr', '0.05',
                          '--weight-decay', '5e-4', '--schedule', 'constant'), 10, 1),
}
DEFAULT_WORKLOADS = ('mnist_mlp', 'lenet', 'cifar_cnn')
TORCH_MODES = ('eager', 'compile')   # torch_ref.py without and with --compile


class BenchError(Exception):
    """A run failed or reported nothing usable; the message says which and why."""


class Interrupted(BenchError):
    """SIGTERM or SIGINT: stop, and report the runs finished so far."""


def on_signal(signum, frame):
    raise Interrupted(f'stopped by {signal.Signals(signum).name}')


@dataclass
class Run:
    samples_per_s: float   # over all epochs of the run: samples / training seconds
    train_loss: float      # mean training loss of the last epoch (a sanity check, not compared)
    steps: int             # per epoch, as the side reported it


@dataclass
class Side:
    runs: list = field(default_factory=list)
    error: str = None      # why a run of this side failed; its later rounds are skipped

    def median(self):
        return statistics.median(r.samples_per_s for r in self.runs) if self.runs else None


def tail(text, lines=15):
    return '\n'.join(text.strip().splitlines()[-lines:])


def run_command(cmd, env, timeout):
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise BenchError(f'cannot run {cmd[0]}: not found')
    except subprocess.TimeoutExpired:
        raise BenchError(f'timed out after {timeout} s: {" ".join(cmd)}')
    # (On Interrupted, subprocess.run kills the child before re-raising.)
    if p.returncode in (-signal.SIGTERM, -signal.SIGINT):
        # The signal that stopped it was most likely sent to this script's
        # whole process group (timeout(1), ^C): stop as on_signal does.
        raise Interrupted(f'stopped by {signal.Signals(-p.returncode).name} (it ended {" ".join(cmd)})')
    if p.returncode != 0:
        raise BenchError(f'exit status {p.returncode}: {" ".join(cmd)}\n'
                         f'--- stdout (tail)\n{tail(p.stdout)}\n--- stderr (tail)\n{tail(p.stderr)}')
    return p.stdout


def overall_rate(samples_per_epoch, rates, what):
    """Samples per second over several epochs, from each epoch's own rate."""
    if any(not (r > 0) for r in rates):
        raise BenchError(f'{what}: a non-positive samples/s in {rates}')
    return samples_per_epoch * len(rates) / sum(samples_per_epoch / r for r in rates)


class GraphcSide:
    """A trainer executable; its timing comes from its --metrics JSON lines."""

    HEADER = re.compile(r'batch (\d+), (\d+) epochs? of (\d+) steps?')
    # The header's last clause names the executor ("interpreter on cpu", ...).
    BACKEND = re.compile(r'parameter tensors trained \([^)]*\); (.+?)\s*$', re.M)

    def __init__(self, trainer, data, threads, device, timeout):
        if not os.access(trainer, os.X_OK):
            raise BenchError(f'{trainer} does not exist or is not executable '
                             f'(build it: ninja -C <build dir> trainers, or give --bin DIR)')
        self.trainer, self.data, self.threads, self.device, self.timeout = trainer, data, threads, device, timeout
        help_text = run_command([trainer, '--help'], os.environ.copy(), timeout)
        threads_line = [l.strip() for l in help_text.splitlines() if l.strip().startswith('--threads ')]
        self.threads_help = re.sub(r'\s+', ' ', threads_line[0]) if threads_line else None
        self.backend = 'unknown'

    def command(self, w, batch, steps, epochs, augment, metrics):
        cmd = [self.trainer, '--data', self.data, '--epochs', str(epochs), '--max-steps', str(steps),
               '--batch-size', str(batch), '--val-split', '0', '--drop-last', '--seed', '0',
               '--augment' if augment else '--no-augment', '--metrics', metrics, *w.optimizer]
        if self.threads_help:
            cmd += ['--threads', str(self.threads)]
        if self.device:
            cmd += ['--device', self.device]
        return cmd

    def run(self, w, batch, steps, epochs, warmup, augment):
        """Runs warmup + epochs epochs; the rate is over the last `epochs`."""
        total = warmup + epochs
        with tempfile.TemporaryDirectory(prefix='graphc_bench_') as tmp:
            metrics = os.path.join(tmp, 'metrics.jsonl')
            cmd = self.command(w, batch, steps, total, augment, metrics)
            out = run_command(cmd, os.environ.copy(), self.timeout)
            what = ' '.join(cmd)
            header = self.HEADER.search(out)
            if not header:
                raise BenchError(f'{what}: no "batch B, E epochs of S steps" header in its output:\n{tail(out)}')
            got = tuple(int(g) for g in header.groups())
            if got != (batch, total, steps):
                raise BenchError(f'{what}: ran batch {got[0]}, {got[1]} epochs of {got[2]} steps, asked batch '
                                 f'{batch}, {total} epochs of {steps} steps (is --steps beyond one epoch?)')
            backend = self.BACKEND.search(out)
            if backend:
                self.backend = backend.group(1)
            try:
                with open(metrics) as f:
                    lines = [json.loads(l) for l in f if l.strip()]
            except (OSError, ValueError) as e:
                raise BenchError(f'{what}: unreadable metrics file: {e}')
        epochs_seen = [l for l in lines if 'epoch' in l]
        if len(epochs_seen) != total or any(not isinstance(l.get('samples_per_s'), (int, float))
                                            for l in epochs_seen):
            raise BenchError(f'{what}: expected {total} epoch lines with samples_per_s in its metrics, got {lines}')
        rate = overall_rate(batch * steps, [l['samples_per_s'] for l in epochs_seen[warmup:]], what)
        return Run(rate, epochs_seen[-1]['train_loss'], steps)


def torch_env(shared, threads):
    """torch_ref.py's environment: its data under SHARED/data, and T threads.

    torch.set_num_threads governs ATen's OpenMP pool but not a pthread
    OpenBLAS (Debian's python3-torch), which otherwise starts one thread per
    core for every GEMM.
    """
    return dict(os.environ, SHARED=shared, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))


# Prints torch's version, the name of the GPU (empty when it sees none),
# then the BLAS library its CPU matrix products loaded (empty if none shows
# in the process's maps, as with a BLAS linked into libtorch).
TORCH_PROBE = ('import sys, os, torch; print(torch.__version__); '
               "print(torch.cuda.get_device_name(0) if sys.argv[1] == 'cuda' and torch.cuda.is_available() else ''); "
               'torch.ones(64, 64) @ torch.ones(64, 64); '
               "libs = [l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.split()[-1]]; "
               "print(os.path.realpath(libs[0]) if libs else '')")

# Debian's libblas3 is the netlib reference BLAS: PyTorch's GEMMs on it run
# 10-20x slower than on OpenBLAS (mnist_mlp: 11k against 150k samples/s),
# which would make any ratio against it meaningless.
REFERENCE_BLAS_DIR = '/blas/'


def probe_torch(python, env, device, timeout):
    """(torch version, GPU name or '', BLAS path or ''); fails if device is cuda and torch sees no GPU, or if
    PyTorch's CPU GEMMs would run on the reference BLAS."""
    lines = run_command([python, '-c', TORCH_PROBE, device], env, timeout).splitlines() + ['', '', '']
    version, gpu, blas = lines[0].strip(), lines[1].strip(), lines[2].strip()
    if device == 'cuda' and not gpu:
        raise BenchError(f'{python}: PyTorch {version} sees no CUDA device (torch.cuda.is_available() is false); '
                         f'--device cuda needs a GPU and a CUDA build of PyTorch')
    if REFERENCE_BLAS_DIR in blas:
        raise BenchError(f'{python}: PyTorch {version} runs its matrix products on the reference BLAS ({blas}), '
                         f'10-20x slower than an optimised one; install OpenBLAS first '
                         f'(apt-get install libopenblas0-pthread)')
    return version, gpu, blas


class TorchSide:
    """torch_ref.py in one mode (eager, or compile: --compile); its timing comes from its per-epoch JSON lines."""

    def __init__(self, python, script, env, threads, device, mode, timeout):
        if not os.path.isfile(script):
            raise BenchError(f'{script} does not exist (give --torch-ref)')
        self.python, self.script, self.env, self.threads, self.timeout = python, script, env, threads, timeout
        self.device, self.mode = device, mode

    def command(self, w, batch, steps, epochs, augment):
        cmd = [self.python, self.script, w.torch_workload, '--epochs', str(epochs), '--steps', str(steps),
               '--threads', str(self.threads), '--batch-size', str(batch), '--seed', '0', '--device', self.device]
        if self.mode == 'compile':
            cmd.append('--compile')
        if augment:
            cmd.append('--augment')
        return cmd

    def run(self, w, batch, steps, epochs, warmup, augment):
        """Runs warmup + epochs epochs; the rate is over the last `epochs`."""
        total = warmup + epochs
        cmd = self.command(w, batch, steps, total, augment)
        out = run_command(cmd, self.env, self.timeout)
        what = ' '.join(cmd)
        lines = []
        for l in out.splitlines():
            if l.startswith('{'):
                try:
                    lines.append(json.loads(l))
                except ValueError:
                    raise BenchError(f'{what}: a line that is not JSON: {l}')
        if len(lines) != total or any('samples_per_s' not in l for l in lines):
            raise BenchError(f'{what}: expected {total} JSON lines with samples_per_s, got:\n{tail(out)}')
        for l in lines:
            if l.get('steps') != steps or l.get('batch') != batch:
                raise BenchError(f'{what}: ran {l.get("steps")} steps of batch {l.get("batch")}, asked {steps} '
                                 f'of batch {batch} (is --steps beyond one epoch?)')
        rate = overall_rate(batch * steps, [l['samples_per_s'] for l in lines[warmup:]], what)
        return Run(rate, lines[-1]['train_loss'], steps)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def side_names(modes):
    """(label, JSON key prefix) of each side, in the order every round runs them."""
    return [('graphc', 'graphc')] + [(f'PyTorch {m}', f'torch_{m}') for m in modes]


def bench_workload(name, a, graphc, torch_sides):
    """Alternating rounds of one workload; a failed side sits out its later rounds."""
    w = WORKLOADS[name]
    batch = a.batch_size or w.batch
    steps = a.steps or w.steps
    epochs = a.epochs or w.epochs
    runners = [graphc] + [torch_sides[m] for m in a.torch_modes]
    sides = [(label, prefix, runner, Side()) for (label, prefix), runner in zip(side_names(a.torch_modes), runners)]
    interrupted = None
    try:
        for r in range(a.rounds):
            for label, _, runner, results in sides:
                if results.error:
                    continue
                try:
                    run = runner.run(w, batch, steps, epochs, a.warmup_epochs, a.augment)
                except Interrupted:
                    raise
                except BenchError as e:
                    results.error = str(e)
                    log(f'{name} round {r + 1}/{a.rounds} {label}: FAILED (its later rounds are skipped): {e}')
                    continue
                results.runs.append(run)
                log(f'{name} round {r + 1}/{a.rounds} {label}: {run.samples_per_s:.1f} samples/s '
                    f'(train_loss {run.train_loss:.4f})')
    except Interrupted as e:
        interrupted = str(e)
        log(f'{name}: {interrupted}; reporting the runs finished so far')
    out = {
        'workload': name, 'graphc_model': w.model, 'torch_workload': w.torch_workload, 'device': a.device,
        'batch': batch, 'threads': a.threads, 'steps_per_epoch': steps, 'epochs': epochs,
        'warmup_epochs': a.warmup_epochs, 'augment': a.augment, 'torch_modes': list(a.torch_modes),
        'graphc_backend': graphc.backend, 'graphc_device_flag': graphc.device or None,
        'graphc_threads_flag': graphc.threads_help,
    }
    for _, prefix, _, results in sides:
        out[f'{prefix}_samples_per_s'] = [r.samples_per_s for r in results.runs]
        out[f'{prefix}_median'] = results.median()
        out[f'{prefix}_train_loss'] = [r.train_loss for r in results.runs]
        out[f'{prefix}_error'] = results.error
    g = out['graphc_median']
    for m in a.torch_modes:
        t = out[f'torch_{m}_median']
        out[f'ratio_{m}'] = g / t if g is not None and t is not None else None
    if interrupted:
        out['interrupted'] = interrupted
    return out


def brief(message):
    """A failure in one line: its first line (what ran) and its last (usually the error itself)."""
    lines = [l.strip() for l in message.splitlines() if l.strip()]
    return lines[0] if len(lines) <= 1 else f'{lines[0]} ... {lines[-1]}'


def failures(results):
    """(workload, side label, message) of every side that failed."""
    return [(r['workload'], label, r[f'{prefix}_error'])
            for r in results for label, prefix in side_names(r['torch_modes']) if r[f'{prefix}_error']]


def markdown(results, meta):
    modes = meta['torch_modes']
    out = ['| workload | device | batch | threads | steps | graphc samples/s (median) | '
           + ''.join(f'PyTorch {m} samples/s (median) | ' for m in modes)
           + ' | '.join(f'ratio graphc/{m}' for m in modes) + ' |',
           '| --- | --- | ---: | ---: | ---: | ---: | ' + '---: | ' * (2 * len(modes))]
    out[-1] = out[-1].rstrip()

    def cell(r, prefix):
        if r[f'{prefix}_median'] is not None:
            return f"{r[f'{prefix}_median']:.1f}"
        return 'failed' if r[f'{prefix}_error'] else 'not run'

    for r in results:
        steps = f"{r['epochs']} x {r['steps_per_epoch']}" if r['epochs'] > 1 else str(r['steps_per_epoch'])
        ratios = [f"{r[f'ratio_{m}']:.3f}" if r[f'ratio_{m}'] is not None else '-' for m in modes]
        device = r['device']
        if r['graphc_device_flag'] not in (None, device):
            device += f" (graphc: {r['graphc_device_flag']})"
        out.append(f"| {r['workload']} | {device} | {r['batch']} | {r['threads']} | {steps} "
                   f"| {cell(r, 'graphc')} | " + ''.join(f"{cell(r, f'torch_{m}')} | " for m in modes)
                   + ' | '.join(ratios) + ' |')
    out.append('')
    gpu = f"; GPU {meta['gpu']}" if meta.get('gpu') else ''
    warmup = (f"{meta['warmup_epochs']} untimed warm-up epoch{'s' if meta['warmup_epochs'] > 1 else ''} first in "
              f"every run" if meta['warmup_epochs'] else 'no warm-up epoch')
    blas = f" on {meta['blas']}" if meta.get('blas') else ''
    out.append(f"{meta['cpu']}, {meta['cpus']} CPUs{gpu}; PyTorch {meta['torch_version']}{blas}; {meta['rounds']} "
               f"alternating rounds, {warmup}; load average {meta['load_before']} before, {meta['load_after']} after.")
    for r in results:
        threads = (f"passed --threads ({r['graphc_threads_flag']})" if r['graphc_threads_flag']
                   else 'no --threads flag in this trainer')
        runs = '; '.join(f"{label} {', '.join(f'{x:.1f}' for x in r[f'{prefix}_samples_per_s']) or 'none'}"
                         for label, prefix in side_names(r['torch_modes']))
        out.append(f"- {r['workload']}: graphc backend '{r['graphc_backend']}', {threads}; runs (samples/s): {runs}")
        for label, prefix in side_names(r['torch_modes']):
            if r[f'{prefix}_error']:
                out.append(f"  - {label} FAILED: {brief(r[f'{prefix}_error'])}")
        if r.get('interrupted'):
            out.append(f"  - {r['interrupted']} during this workload; later workloads not run")
    return '\n'.join(out)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description='Alternating throughput runs of graphc trainers and the PyTorch reference.',
        epilog='workloads: ' + ', '.join(f'{k} (torch_ref.py {v.torch_workload}, batch {v.batch}, '
                                         f'{v.epochs} x {v.steps} steps)' for k, v in WORKLOADS.items()))
    ap.add_argument('workloads', nargs='*', metavar='WORKLOAD',
                    help=f'workloads to run (default: {" ".join(DEFAULT_WORKLOADS)})')
    ap.add_argument('--rounds', type=int, default=3, help='runs per side, alternating (default 3)')
    ap.add_argument('--steps', type=int, default=0, help='training steps per epoch (default: per workload)')
    ap.add_argument('--epochs', type=int, default=0, help='timed epochs per run (default: per workload)')
    ap.add_argument('--warmup-epochs', type=int, default=None,
                    help='untimed epochs at the start of every run, on every side (default: 1 on cuda or with '
                         'compile, else 0)')
    ap.add_argument('--batch-size', type=int, default=0, help="batch size of both sides (default: torch_ref.py's)")
    ap.add_argument('--threads', type=int, default=2, help='threads for both sides, the host side on cuda (default 2)')
    ap.add_argument('--augment', action='store_true', help='crop + flip augmentation on both sides (CIFAR)')
    ap.add_argument('--device', default='cpu', choices=('cpu', 'cuda'),
                    help="where both sides train: the trainer's --device and torch_ref.py's --device (default cpu)")
    ap.add_argument('--torch-modes', default='eager',
                    help='PyTorch runs per round, comma-separated: eager, compile (torch_ref.py --compile), or '
                         'eager,compile (default eager)')
    ap.add_argument('--graphc-device', default='',
                    help='--device for the graphc trainers instead of --device, e.g. interpreter')
    ap.add_argument('--build', default=os.path.join(REPO, 'build'),
                    help='graphc build directory holding bin/train_<model> (default: <repo>/build)')
    ap.add_argument('--bin', default='', help='folder of the train_<model> executables (default: <build>/bin)')
    ap.add_argument('--shared', default=os.environ.get('SHARED', os.path.join(os.path.dirname(REPO), 'shared')),
                    help='a folder laid out as the shared folder: data/mnist/, data/cifar10-jpeg.tar.gz, '
                         'bench/torch_ref.py (default: $SHARED, else <repo>/../shared)')
    ap.add_argument('--data', default='', help='the data folder (mnist/, cifar10-jpeg.tar.gz) (default: <shared>/data)')
    ap.add_argument('--torch-ref', default='', help='torch_ref.py (default: <shared>/bench/torch_ref.py)')
    ap.add_argument('--python', default='/usr/bin/python3', help='Python with torch (default /usr/bin/python3)')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds one run may take (default 1800)')
    ap.add_argument('--json', action='store_true', help='print JSON instead of the Markdown table')
    a = ap.parse_args(argv)
    a.workloads = a.workloads or list(DEFAULT_WORKLOADS)
    for name in a.workloads:
        if name not in WORKLOADS:
            ap.error(f"unknown workload '{name}' (choose from {', '.join(WORKLOADS)})")
    modes = [m.strip() for m in a.torch_modes.split(',') if m.strip()]
    if not modes or any(m not in TORCH_MODES for m in modes) or len(set(modes)) != len(modes):
        ap.error(f"--torch-modes takes {', '.join(TORCH_MODES)} or both, comma-separated, each once "
                 f"(got '{a.torch_modes}')")
    a.torch_modes = modes
    if a.warmup_epochs is None:
        a.warmup_epochs = 1 if a.device == 'cuda' or 'compile' in modes else 0
    for flag in ('rounds', 'threads'):
        if getattr(a, flag) < 1:
            ap.error(f'--{flag} must be at least 1')
    for flag in ('steps', 'epochs', 'warmup_epochs', 'batch_size', 'timeout'):
        if getattr(a, flag) < 0:
            ap.error(f"--{flag.replace('_', '-')} must not be negative")
    a.bin = a.bin or os.path.join(a.build, 'bin')
    a.data = a.data or os.path.join(a.shared, 'data')
    a.torch_ref = a.torch_ref or os.path.join(a.shared, 'bench', 'torch_ref.py')
    return a


def torch_shared(data, shared, tmp):
    """The SHARED folder torch_ref.py reads SHARED/data/... from, for this data folder."""
    data = os.path.realpath(data)
    if os.path.realpath(os.path.join(shared, 'data')) == data:
        return shared
    if os.path.basename(data) == 'data':
        return os.path.dirname(data)
    os.symlink(data, os.path.join(tmp, 'data'))
    return tmp


def main(argv):
    a = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with tempfile.TemporaryDirectory(prefix='graphc_bench_shared_') as tmp:
        try:
            for name in a.workloads:
                path = os.path.join(a.data, WORKLOADS[name].data)
                if not os.path.exists(path):
                    raise BenchError(f'{name}: {path} does not exist (--shared DIR must hold data/mnist/ and '
                                     f'data/cifar10-jpeg.tar.gz as ../shared does, or give --data DIR)')
            env = torch_env(torch_shared(a.data, a.shared, tmp), a.threads)
            torch_version, gpu, blas = probe_torch(a.python, env, a.device, a.timeout)
            graphc_device = a.graphc_device or a.device
            graphc_sides = {name: GraphcSide(os.path.join(a.bin, f'train_{WORKLOADS[name].model}'),
                                             os.path.join(a.data, WORKLOADS[name].data), a.threads,
                                             graphc_device, a.timeout)
                            for name in a.workloads}
            torch_sides = {m: TorchSide(a.python, a.torch_ref, env, a.threads, a.device, m, a.timeout)
                           for m in a.torch_modes}
            load_before = ' '.join(f'{x:.2f}' for x in os.getloadavg())
            results = []
            for name in a.workloads:
                results.append(bench_workload(name, a, graphc_sides[name], torch_sides))
                if results[-1].get('interrupted'):
                    break
        except BenchError as e:
            print(f'compare.py: {e}', file=sys.stderr)
            return 1
    # The report is all that is left to do: let a second signal not cut it short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    meta = {'cpu': cpu_model(), 'cpus': os.cpu_count(), 'gpu': gpu, 'torch_version': torch_version, 'blas': blas,
            'device': a.device, 'torch_modes': a.torch_modes, 'rounds': a.rounds, 'warmup_epochs': a.warmup_epochs,
            'load_before': load_before, 'load_after': ' '.join(f'{x:.2f}' for x in os.getloadavg())}
    if a.json:
        print(json.dumps({'meta': meta, 'results': results}, indent=2))
    else:
        print(markdown(results, meta))
    failed = failures(results)
    for workload, label, message in failed:
        print(f'compare.py: {workload}, {label} failed: {brief(message)}', file=sys.stderr)
    interrupted = [r['interrupted'] for r in results if r.get('interrupted')]
    if interrupted:
        print(f'compare.py: {interrupted[0]}; the report above holds the runs finished before it', file=sys.stderr)
    return 1 if failed or interrupted else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
