#!/usr/bin/env python3
"""Side-by-side training throughput: graphc trainers against the PyTorch reference.

For each workload it alternates runs of build/bin/train_<model> and
shared/bench/torch_ref.py (graphc, torch, graphc, torch, ...) so that a change
in the machine's load hits both sides alike, and reports the median
samples/s of each side and their ratio.

What makes the two sides comparable (and why):
  * the same batch size, thread count, optimizer and learning rate, and the
    same number of training steps on the same training set: graphc runs with
    --val-split 0 (all 60,000 / 50,000 training samples, as torch_ref.py uses)
    and --drop-last (torch_ref.py only takes full batches), so every step of
    both sides is a full batch;
  * the timed span is the training steps only: start-up (reading and
    decoding the data set, building the model) and evaluation are outside it
    on both sides. graphc's figure is the `samples_per_s` of its --metrics
    file, which times the epoch's steps before validation; torch_ref.py's is
    its per-epoch `samples_per_s`, which times the step loop before its test
    pass;
  * the step count each side actually ran is checked against the one asked
    (graphc's header line, torch_ref.py's `steps`), so a --steps larger than
    one epoch fails instead of comparing different amounts of work.
What still differs: initial weights and sample order come from each side's
own RNG (the losses printed to stderr are close, not equal), and graphc
assembles batches on a background thread while torch_ref.py gathers each
batch inside its timed loop.

`--threads T` goes to torch_ref.py (torch.set_num_threads, and OMP_NUM_THREADS
and OPENBLAS_NUM_THREADS in its environment) and to the graphc
trainer when its --help lists a --threads flag; the report quotes that help
line, since what the flag governs is the trainer's business. The graphc
executor is the trainer's default unless --graphc-device names one (e.g.
interpreter); the report names the executor the trainer's header line gives.

Exit status: 0 when every run succeeded and reported its timing, 1 when a
run failed or printed no usable timing (the message names the command), 2
for a bad command line. Python standard library only.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Workload:
    model: str             # graphc model: build/bin/train_<model>
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
# one (468 full batches). Raise --steps/--epochs for faster executors.
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


class BenchError(Exception):
    """A run failed or reported nothing usable; the message says which and why."""


@dataclass
class Run:
    samples_per_s: float   # over all epochs of the run: samples / training seconds
    train_loss: float      # mean training loss of the last epoch (a sanity check, not compared)
    steps: int             # per epoch, as the side reported it


@dataclass
class Side:
    runs: list = field(default_factory=list)

    def median(self):
        return statistics.median(r.samples_per_s for r in self.runs)


def tail(text, lines=15):
    return '\n'.join(text.strip().splitlines()[-lines:])


def run_command(cmd, env, timeout):
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise BenchError(f'cannot run {cmd[0]}: not found')
    except subprocess.TimeoutExpired:
        raise BenchError(f'timed out after {timeout} s: {" ".join(cmd)}')
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
                             f'(build it: ninja -C <build dir> trainers)')
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

    def run(self, w, batch, steps, epochs, augment):
        with tempfile.TemporaryDirectory(prefix='graphc_bench_') as tmp:
            metrics = os.path.join(tmp, 'metrics.jsonl')
            cmd = self.command(w, batch, steps, epochs, augment, metrics)
            out = run_command(cmd, os.environ.copy(), self.timeout)
            what = ' '.join(cmd)
            header = self.HEADER.search(out)
            if not header:
                raise BenchError(f'{what}: no "batch B, E epochs of S steps" header in its output:\n{tail(out)}')
            got = tuple(int(g) for g in header.groups())
            if got != (batch, epochs, steps):
                raise BenchError(f'{what}: ran batch {got[0]}, {got[1]} epochs of {got[2]} steps, asked batch '
                                 f'{batch}, {epochs} epochs of {steps} steps (is --steps beyond one epoch?)')
            backend = self.BACKEND.search(out)
            if backend:
                self.backend = backend.group(1)
            try:
                with open(metrics) as f:
                    lines = [json.loads(l) for l in f if l.strip()]
            except (OSError, ValueError) as e:
                raise BenchError(f'{what}: unreadable metrics file: {e}')
        epochs_seen = [l for l in lines if 'epoch' in l]
        if len(epochs_seen) != epochs or any(not isinstance(l.get('samples_per_s'), (int, float))
                                             for l in epochs_seen):
            raise BenchError(f'{what}: expected {epochs} epoch lines with samples_per_s in its metrics, got {lines}')
        rate = overall_rate(batch * steps, [l['samples_per_s'] for l in epochs_seen], what)
        return Run(rate, epochs_seen[-1]['train_loss'], steps)


class TorchSide:
    """torch_ref.py; its timing comes from its per-epoch JSON lines."""

    def __init__(self, python, script, shared, threads, timeout):
        if not os.path.isfile(script):
            raise BenchError(f'{script} does not exist (give --torch-ref)')
        self.python, self.script, self.threads, self.timeout = python, script, threads, timeout
        # torch.set_num_threads governs ATen's OpenMP pool but not a pthread
        # OpenBLAS (Debian's python3-torch), which otherwise starts one
        # thread per core for every GEMM.
        self.env = dict(os.environ, SHARED=shared, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
        self.version = run_command([python, '-c', 'import torch; print(torch.__version__)'],
                                   self.env, timeout).strip()

    def run(self, w, batch, steps, epochs, augment):
        cmd = [self.python, self.script, w.torch_workload, '--epochs', str(epochs), '--steps', str(steps),
               '--threads', str(self.threads), '--batch-size', str(batch), '--seed', '0']
        if augment:
            cmd.append('--augment')
        out = run_command(cmd, self.env, self.timeout)
        what = ' '.join(cmd)
        lines = []
        for l in out.splitlines():
            if l.startswith('{'):
                try:
                    lines.append(json.loads(l))
                except ValueError:
                    raise BenchError(f'{what}: a line that is not JSON: {l}')
        if len(lines) != epochs or any('samples_per_s' not in l for l in lines):
            raise BenchError(f'{what}: expected {epochs} JSON lines with samples_per_s, got:\n{tail(out)}')
        for l in lines:
            if l.get('steps') != steps or l.get('batch') != batch:
                raise BenchError(f'{what}: ran {l.get("steps")} steps of batch {l.get("batch")}, asked {steps} '
                                 f'of batch {batch} (is --steps beyond one epoch?)')
        rate = overall_rate(batch * steps, [l['samples_per_s'] for l in lines], what)
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


def bench_workload(name, a, graphc_bin, torch_side):
    w = WORKLOADS[name]
    batch = a.batch_size or w.batch
    steps = a.steps or w.steps
    epochs = a.epochs or w.epochs
    graphc = GraphcSide(os.path.join(graphc_bin, f'train_{w.model}'), os.path.join(a.shared, 'data', w.data),
                        a.threads, a.graphc_device, a.timeout)
    sides = {'graphc': (graphc, Side()), 'torch': (torch_side, Side())}
    for r in range(a.rounds):
        for side_name, (runner, results) in sides.items():
            run = runner.run(w, batch, steps, epochs, a.augment)
            results.runs.append(run)
            log(f'{name} round {r + 1}/{a.rounds} {side_name}: {run.samples_per_s:.1f} samples/s '
                f'(train_loss {run.train_loss:.4f})')
    g, t = sides['graphc'][1], sides['torch'][1]
    return {
        'workload': name, 'graphc_model': w.model, 'torch_workload': w.torch_workload,
        'batch': batch, 'threads': a.threads, 'steps_per_epoch': steps, 'epochs': epochs, 'augment': a.augment,
        'graphc_backend': graphc.backend, 'graphc_device_flag': a.graphc_device or None,
        'graphc_threads_flag': graphc.threads_help,
        'graphc_samples_per_s': [r.samples_per_s for r in g.runs], 'graphc_median': g.median(),
        'graphc_train_loss': [r.train_loss for r in g.runs],
        'torch_samples_per_s': [r.samples_per_s for r in t.runs], 'torch_median': t.median(),
        'torch_train_loss': [r.train_loss for r in t.runs],
        'ratio': g.median() / t.median(),
    }


def markdown(results, meta):
    out = ['| workload | batch | threads | steps | graphc samples/s (median) | PyTorch samples/s (median) '
           '| ratio graphc/PyTorch |',
           '| --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    for r in results:
        steps = f"{r['epochs']} x {r['steps_per_epoch']}" if r['epochs'] > 1 else str(r['steps_per_epoch'])
        out.append(f"| {r['workload']} | {r['batch']} | {r['threads']} | {steps} | {r['graphc_median']:.1f} "
                   f"| {r['torch_median']:.1f} | {r['ratio']:.3f} |")
    out.append('')
    out.append(f"{meta['cpu']}, {meta['cpus']} CPUs; PyTorch {meta['torch_version']}; {meta['rounds']} alternating "
               f"rounds; load average {meta['load_before']} before, {meta['load_after']} after.")
    for r in results:
        threads = (f"passed --threads ({r['graphc_threads_flag']})" if r['graphc_threads_flag']
                   else 'no --threads flag in this trainer')
        out.append(f"- {r['workload']}: graphc backend '{r['graphc_backend']}', {threads}; runs graphc "
                   f"{', '.join(f'{x:.1f}' for x in r['graphc_samples_per_s'])}, PyTorch "
                   f"{', '.join(f'{x:.1f}' for x in r['torch_samples_per_s'])} samples/s")
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
    ap.add_argument('--epochs', type=int, default=0, help='epochs per run (default: per workload)')
    ap.add_argument('--batch-size', type=int, default=0, help="batch size of both sides (default: torch_ref.py's)")
    ap.add_argument('--threads', type=int, default=2, help='threads for both sides (default 2)')
    ap.add_argument('--augment', action='store_true', help='crop + flip augmentation on both sides (CIFAR)')
    ap.add_argument('--graphc-device', default='',
                    help="--device for the graphc trainers, e.g. interpreter (default: the trainer's own)")
    ap.add_argument('--build', default=os.path.join(REPO, 'build'),
                    help='graphc build directory holding bin/train_<model> (default: <repo>/build)')
    ap.add_argument('--shared', default=os.environ.get('SHARED', os.path.join(os.path.dirname(REPO), 'shared')),
                    help='the shared folder with data/ and bench/ (default: $SHARED, else <repo>/../shared)')
    ap.add_argument('--torch-ref', default='', help='torch_ref.py (default: <shared>/bench/torch_ref.py)')
    ap.add_argument('--python', default='/usr/bin/python3', help='Python with torch (default /usr/bin/python3)')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds one run may take (default 1800)')
    ap.add_argument('--json', action='store_true', help='print JSON instead of the Markdown table')
    a = ap.parse_args(argv)
    a.workloads = a.workloads or list(DEFAULT_WORKLOADS)
    for name in a.workloads:
        if name not in WORKLOADS:
            ap.error(f"unknown workload '{name}' (choose from {', '.join(WORKLOADS)})")
    for flag in ('rounds', 'threads'):
        if getattr(a, flag) < 1:
            ap.error(f'--{flag} must be at least 1')
    for flag in ('steps', 'epochs', 'batch_size', 'timeout'):
        if getattr(a, flag) < 0:
            ap.error(f"--{flag.replace('_', '-')} must not be negative")
    a.torch_ref = a.torch_ref or os.path.join(a.shared, 'bench', 'torch_ref.py')
    return a


def main(argv):
    a = parse_args(argv)
    try:
        torch_side = TorchSide(a.python, a.torch_ref, a.shared, a.threads, a.timeout)
        load_before = ' '.join(f'{x:.2f}' for x in os.getloadavg())
        results = [bench_workload(name, a, os.path.join(a.build, 'bin'), torch_side) for name in a.workloads]
    except BenchError as e:
        print(f'compare.py: {e}', file=sys.stderr)
        return 1
    meta = {'cpu': cpu_model(), 'cpus': os.cpu_count(), 'torch_version': torch_side.version, 'rounds': a.rounds,
            'load_before': load_before, 'load_after': ' '.join(f'{x:.2f}' for x in os.getloadavg())}
    if a.json:
        print(json.dumps({'meta': meta, 'results': results}, indent=2))
    else:
        print(markdown(results, meta))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
