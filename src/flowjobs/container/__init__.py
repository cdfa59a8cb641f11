"""Container images for job tasks: the engine (podman or docker), the base image, the build, pods in containers."""
