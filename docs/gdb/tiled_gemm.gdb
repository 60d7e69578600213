# Steps through the tiled GEMM kernel under the SIMT emulator (docs/gdb_walkthrough.md):
#   gdb -batch -q -x docs/gdb/tiled_gemm.gdb build/tiled_gemm_walkthrough
# Line numbers are kernels/cuda/tiled_gemm.cuh's: 68 and 77 are its two __syncthreads, 69
# the first line after the first one. docs_test fails if they move.
set pagination off
set confirm off
set print thread-events off

# 1. A barrier: count the threads that arrive at the first __syncthreads (line 68) before
#    the first one passes it (line 69).
set $arrived = 0
break tiled_gemm.cuh:68
commands
  silent
  set $arrived = $arrived + 1
  continue
end
tbreak tiled_gemm.cuh:69
run
printf "walk: thread (%d,%d) passes the barrier of the slice k0 = %d after %d threads arrived\n", threadIdx.x, threadIdx.y, k0, $arrived

# 2. Fibers: a fiber runs until it reaches a barrier, then the block runner resumes the
#    next one. The first three threads to reach the second __syncthreads (line 77):
delete
set $shown = 0
break tiled_gemm.cuh:77
commands
  silent
  printf "walk: thread (%d,%d) reaches the barrier after the slice k0 = %d and yields\n", threadIdx.x, threadIdx.y, k0
  set $shown = $shown + 1
  if $shown < 3
    continue
  end
end
continue

# 3. One thread: thread (3, 2) of block (0, 0), past the first barrier. threadIdx is the
#    emulator's macro for a thread-local variable; the -g3 build lets gdb expand it.
delete
break tiled_gemm.cuh:69 if threadIdx.x == 3 && threadIdx.y == 2
continue
printf "walk: thread (%d,%d) of block (%d,%d) computes with the slice k0 = %d\n", threadIdx.x, threadIdx.y, blockIdx.x, blockIdx.y, k0
# Shared memory, one copy per block: A's slice is stored [k][row], B's [k][col].
printf "walk: a_slice[0][0..3] = %g %g %g %g (A[0..3][0])\n", a_slice[0][0], a_slice[0][1], a_slice[0][2], a_slice[0][3]
printf "walk: b_slice[0][0..3] = %g %g %g %g (B[0][0..3])\n", b_slice[0][0], b_slice[0][1], b_slice[0][2], b_slice[0][3]
# Its stack is a fiber's, started by the block runner (Boost.Context), not the OS thread's.
backtrace -3

# 4. Watch shared memory. The last thread, (15,15), reaches the second barrier; the next
#    write to a_slice[0][0] is thread (0,0) staging the next slice, once the barrier has
#    released every thread. A software watchpoint (gdb single-steps and compares), since
#    sandboxes often lack the debug registers hardware watchpoints need: slow, so it is
#    set close to the write.
delete
break tiled_gemm.cuh:77 if threadIdx.x == 15 && threadIdx.y == 15
continue
delete
set can-use-hw-watchpoints 0
watch -l a_slice[0][0]
continue
printf "walk: thread (%d,%d) wrote a_slice[0][0] for the slice k0 = %d\n", threadIdx.x, threadIdx.y, k0
delete
continue
