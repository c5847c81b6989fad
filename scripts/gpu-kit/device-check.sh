#!/usr/bin/env bash
# The prepared check for a lent GPU machine, in one run (about 5 minutes on an H100, most of it the two benches):
#   1. the adapter Dawn finds, and the proposed model's training step on webgpu against cpu (loss and gradients);
#   2. ms per step at batch 128 and 1024, webgpu against PyTorch CUDA on the same GPU, with the ratio;
#   3. a kernel-time profile of the batch-1024 step (what the GPU computes against what the step costs);
#   4. a short sweep whose trials all need a GPU, trained by the kit's own worker on webgpu.
# Each part has its own time limit, so one that hangs does not cost the others. Usage: bash gpu-kit/device-check.sh
set -uo pipefail
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
quiet() { grep -v -e 'artificially reduced' -e '^ - While' -e 'looks like you are running TensorFlow.js' -e '^====' -e 'install our node backend' || true; }
failed=()
# part <title> <seconds> <command…>: runs one part under its own time limit and remembers a failure or a timeout.
part() {
  local title=$1 seconds=$2
  shift 2
  echo
  echo "== $title ($(date -u +%T))"
  timeout "$seconds" "$@" 2>&1 | quiet
  local status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    [ "$status" -eq 124 ] && echo "-- timed out after $seconds s" || echo "-- exit status $status"
    failed+=("$title")
  fi
}
echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' 2>&1 | tail -1
part "agreement: webgpu against cpu" 180 bash "$kit/run.sh" backends --check --backend webgpu
part "bench: ms per step, webgpu against PyTorch" 300 bash "$kit/run.sh" bench gpu-step --batches 128,1024
part "profile: batch 1024 on webgpu" 120 env TAILSWEEP_BACKEND=webgpu bash "$kit/run.sh" bench profile-step proposed 1 1024
part "sweep: every trial needs a GPU" 300 bash "$kit/run.sh" sweep run "$kit/gpu-sweep.yaml" --backend webgpu
echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "== done: every part passed"
else
  echo "== done: ${#failed[@]} part(s) failed:"
  printf '   %s\n' "${failed[@]}"
  exit 1
fi
