"""A small reader of the project's Dockerfiles: instructions, and which container paths the image provides.

Enough for the deployment tests to check, without building an image, that what docker-compose.yml runs
and mounts is either copied from the repository or created by the Dockerfile.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    args: str


@dataclass
class Image:
    """What a Dockerfile puts where: copied from the repository, created by a RUN, or linked."""

    dockerfile: Path
    instructions: list[Instruction]
    copied: dict[str, Path] = field(default_factory=dict)  # container path -> repository path
    created: set[str] = field(default_factory=set)  # folders (WORKDIR, mkdir -p): those paths only
    environments: set[str] = field(default_factory=set)  # uv venv targets: everything below them
    symlinks: dict[str, str] = field(default_factory=dict)  # link -> target

    def values(self, keyword: str) -> list[str]:
        """The arguments of every instruction with this keyword, in order."""
        return [i.args for i in self.instructions if i.keyword == keyword]

    def origin(self, container_path: str) -> str | None:
        """How the image provides ``container_path``: 'copied', 'created', or None when it does not."""
        path = posixpath.normpath(container_path)
        for target, source in self.copied.items():
            if path == target or path.startswith(target + "/"):
                relative = path[len(target):].lstrip("/")
                return "copied" if (source / relative if relative else source).exists() else None
        if path in self.created or path in self.symlinks:
            return "created"
        if any(path == env or path.startswith(env + "/") for env in self.environments):
            return "created"
        return None


def instructions(dockerfile: Path) -> list[Instruction]:
    """The instructions of a Dockerfile, comments dropped and continuation lines joined."""
    result, pending = [], ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending = f"{pending} {stripped}" if pending else stripped
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        keyword, _, args = pending.partition(" ")
        result.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    return result


def _copy(image: Image, workdir: str, args: str) -> None:
    """Record a COPY: every source is a repository path, the last word the destination; a COPY --from an
    earlier build stage creates its destination."""
    words = [w for w in shlex.split(args) if not w.startswith("--")]
    *sources, destination = words
    destination = posixpath.join(workdir, destination)
    if "--from=" in args:
        image.created.add(posixpath.normpath(destination))
        return
    for source in sources:
        target = destination
        if destination.endswith("/") or len(sources) > 1:
            target = posixpath.join(destination, posixpath.basename(source.rstrip("/")))
        image.copied[posixpath.normpath(target)] = PROJECT / source


def _run(image: Image, workdir: str, args: str) -> None:
    """Record the paths a RUN creates: uv venv targets, mkdir -p folders and ln -s links."""
    for command in re.split(r"&&|;", args):
        words = shlex.split(command)
        if words[:2] == ["uv", "venv"]:
            image.environments.add(posixpath.join(workdir, words[-1]))
        elif words[:2] == ["mkdir", "-p"]:
            for folder in words[2:]:  # mkdir -p a/b creates a too
                parts = folder.split("/")
                image.created.update(posixpath.join(workdir, *parts[: i + 1]) for i in range(len(parts)))
        elif words[:2] == ["ln", "-s"]:
            image.symlinks[posixpath.join(workdir, words[3])] = words[2]


def read_image(dockerfile: Path) -> Image:
    """Parse a Dockerfile of this project (build context: the repository root)."""
    image = Image(dockerfile, instructions(dockerfile))
    workdir = "/"
    for instruction in image.instructions:
        if instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.args)
            image.created.add(workdir)
        elif instruction.keyword == "COPY":
            _copy(image, workdir, instruction.args)
        elif instruction.keyword == "RUN":
            _run(image, workdir, instruction.args)
    return image


def ignored(dockerignore: Path, relative: str) -> bool:
    """Whether a .dockerignore excludes a repository path (last matching pattern wins, ! re-includes)."""
    excluded = False
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for line in dockerignore.read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatch(part, pattern[3:]) for part in parts)
        else:
            hit = any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes)
        if hit:
            excluded = not negate
    return excluded
