"""Data-parallel training under ``torchrun``: torch.distributed + DistributedDataParallel.

Lesson: lessons/09_training.en.md.  Command:
``torchrun --standalone --nproc_per_node 2 --no-python lmlab train ...``.

torchrun starts N copies of the command and gives each ``RANK``, ``LOCAL_RANK`` and
``WORLD_SIZE`` in its environment.  Each copy (a rank) holds the whole model; DDP averages the
gradients of all ranks during ``backward`` (an all-reduce: gloo on CPUs, NCCL on GPUs), so every
rank takes the same optimizer step and the weights stay identical.

The data: ``--batch-size`` is the global batch.  Every rank draws the same global batch from the
same seeded generator and keeps its own slice of ``batch / N`` rows (what a
``DistributedSampler`` does for a dataset of fixed items; ours are random windows).  Since the
loss is a mean and DDP averages the ranks' gradients, 2 ranks on half-batches take the very step
1 process takes on the whole batch (tests/test_training_ddp.py checks it to 1e-5).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    """Which rank this process is, of how many, and on which device."""

    rank: int = 0  # 0 writes checkpoints, the card and the progress bar
    world_size: int = 1  # processes in all
    local_rank: int = 0  # this machine's GPU index for this process
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_by_torchrun() -> bool:
    """Whether torchrun (or another launcher) set this process's rank and world size."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def pick_device(choice: str, local_rank: int = 0) -> torch.device:
    """``"auto"``: this rank's GPU where CUDA is present, else the CPU."""
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ValueError("device cuda was asked for, but PyTorch sees no CUDA GPU")
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def setup(device_choice: str = "auto") -> World:
    """Join the process group torchrun prepared (gloo on CPU, nccl on CUDA); alone: World()."""
    if not launched_by_torchrun():
        return World(device=pick_device(device_choice))
    rank, size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = pick_device(device_choice, local)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return World(rank, size, local, device)


def teardown(world: World) -> None:
    """Wait for every rank, then leave the process group."""
    if world.world_size > 1 and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def local_batch_size(batch_size: int, world_size: int) -> int:
    """Each rank's share of the global batch; refuses a batch that does not divide.

    >>> local_batch_size(32, 2)
    16
    """
    if batch_size % world_size:
        raise ValueError(f"the global batch size {batch_size} does not divide among "
                         f"{world_size} processes; use a multiple of {world_size}")
    return batch_size // world_size


def shard(t: torch.Tensor, world: World) -> torch.Tensor:
    """This rank's rows of a global (B, ...) batch."""
    n = local_batch_size(t.size(0), world.world_size)
    return t[world.rank * n:(world.rank + 1) * n]


def wrap(model: torch.nn.Module, world: World) -> torch.nn.Module:
    """The model inside DistributedDataParallel when there are several ranks (else itself)."""
    if world.world_size == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [world.local_rank] if world.device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def rank() -> int:
    """This process's rank as torchrun set it (0 when run alone)."""
    return int(os.environ.get("RANK", 0))


def world_size() -> int:
    """Processes in the run as torchrun set it (1 when run alone)."""
    return int(os.environ.get("WORLD_SIZE", 1))
