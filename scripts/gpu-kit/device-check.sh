#!/usr/bin/env bash
# The prepared check for a lent GPU machine, in one run (about 5 minutes on an H100, most of it the two benches):
#   1. the adapter Dawn finds, and the proposed model's training step on webgpu against cpu (loss and gradients);
#   2. ms per step at batch 128 and 1024, webgpu against PyTorch CUDA on the same GPU, with the ratio;
#   3. a kernel-time profile of the batch-1024 step (what the GPU computes against what the step costs);
#   4. a short sweep whose trials all need a GPU, trained by the kit's own worker on webgpu.
# Each part has its own time limit, so one that hangs does not cost the others. Usage: bash gpu-kit/device-check.sh
set -u
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
quiet() { grep -v -e 'artificially reduced' -e '^ - While' -e 'looks like you are running TensorFlow.js' -e '^====' -e 'install our node backend'; }
part() { echo; echo "== $1 ($(date -u +%T))"; }
part "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' 2>&1 | tail -1
part "agreement: webgpu against cpu"
timeout 180 bash "$kit/run.sh" backends --check --backend webgpu 2>&1 | quiet
part "bench: ms per step, webgpu against PyTorch"
timeout 300 bash "$kit/run.sh" bench gpu-step --batches 128,1024 2>&1 | quiet
part "profile: batch 1024 on webgpu"
TAILSWEEP_BACKEND=webgpu timeout 120 bash "$kit/run.sh" bench profile-step proposed 1 1024 2>&1 | quiet
part "sweep: every trial needs a GPU"
timeout 300 bash "$kit/run.sh" sweep run "$kit/gpu-sweep.yaml" --backend webgpu 2>&1 | quiet | tail -25
part "done"
