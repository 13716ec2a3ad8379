# Images: make image DEVICE=x86|jetson|rpi|rpi64, make images, make bench DEVICE=..., make base-image(s).
# Included by the Makefile. See README.md "Images" and docker/README.md.

# A client with BuildKit built in (Debian's docker.io); `docker compose` where it exists, else docker-compose.
DOCKER      ?= $(firstword $(wildcard /usr/bin/docker) docker)
COMPOSE     ?= $(shell $(DOCKER) compose version >/dev/null 2>&1 && echo "$(DOCKER) compose" || echo docker-compose)
HOST        ?=
GPU         ?= 0
# WITH (the Makefile's): opt-in framework environments the image adds, e.g. WITH=caffe2 (x86: the legacy
# Python 3.9 stage) or WITH=mxnet (Jetson); the catalog says which environments are opt-in where.
# LOCK_SUFFIX=-jp6: prefer lock files envs/<name>-jp6.txt where they exist (Jetson GPU wheels)
LOCK_SUFFIX ?=
PIP_CERT    ?=
# extra wheels for the builds (pip --find-links): linked into docker/wheels, the folder the builds see
WHEELHOUSE  ?=
BUILD_NETWORK ?= host
# the build-end smoke test's frameworks (default: the Dockerfile's, every framework in the image)
SMOKE_FRAMEWORKS ?=
L4T_RELEASE ?= 36.4.0
# ENV_SET=greenai-2023: the x86 image of another version set (envs/sets/<set>/): its environments only, on the
# set's Python (3.9: the bullseye stage), tagged with its pins; runs default to that set (EDGEBENCH_ENV_SETS)
ENV_SET     ?= current
# BASES=local: build on the bases `make base-images` makes (no registry needed)
BASES       ?=
IMAGE_PREFIX ?= edgebench

ifeq ($(BASES),local)
X86_BASE_IMAGE      ?= $(IMAGE_PREFIX)/base:bookworm-amd64
BULLSEYE_BASE_IMAGE ?= $(IMAGE_PREFIX)/base:bullseye-amd64
JETSON_BASE_IMAGE   ?= $(IMAGE_PREFIX)/base:bookworm-arm64
RPI_BASE_IMAGE      ?= $(IMAGE_PREFIX)/base:bookworm-armhf
RPI64_BASE_IMAGE    ?= $(IMAGE_PREFIX)/base:bookworm-arm64
CROSS_BUILDER_IMAGE ?= $(IMAGE_PREFIX)/base:bookworm-amd64
else
X86_BASE_IMAGE      ?= debian:bookworm-slim
BULLSEYE_BASE_IMAGE ?= debian:bullseye-slim
JETSON_BASE_IMAGE   ?= l4t-jetpack:r$(L4T_RELEASE)
RPI_BASE_IMAGE      ?= debian:bookworm-slim
RPI64_BASE_IMAGE    ?= debian:bookworm-slim
CROSS_BUILDER_IMAGE ?=
endif

# remote engines: HOST=ssh://user@host (or DOCKER_CONTEXT=name, which both clients honour)
comma := ,
DOCKER_ENV := $(if $(HOST),DOCKER_HOST=$(HOST))
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
# the engine's architecture (a remote one's with HOST), evaluated only when an image is built
HOST_ARCH = $(shell $(DOCKER_ENV) $(DOCKER) info -f '{{.Architecture}}' 2>/dev/null || uname -m)

dockerfile_x86 := Dockerfile.x86
dockerfile_jetson := Dockerfile.l4t
dockerfile_rpi := Dockerfile.armv7
dockerfile_rpi64 := Dockerfile.l4t
platform_x86 := linux/amd64
platform_jetson := linux/arm64
platform_rpi := linux/arm/v7
platform_rpi64 := linux/arm64
arch_x86 := x86_64
arch_jetson := aarch64
arch_rpi := armv7l
arch_rpi64 := aarch64
base_x86 = $(X86_BASE_IMAGE)
base_jetson = $(JETSON_BASE_IMAGE)
base_rpi = $(RPI_BASE_IMAGE)
base_rpi64 = $(RPI64_BASE_IMAGE)
# Dockerfile.l4t's final stages: the same environments, with (jetson) or without (rpi64) NVIDIA settings
target_jetson := jetson
target_rpi64 := rpi64
service_x86 := $(if $(filter 1,$(GPU)),x86-gpu,x86)
service_jetson := jetson
service_rpi := rpi
service_rpi64 := rpi64
with_list = $(subst $(comma), ,$(WITH))
flavour = $(if $(filter x86,$(1)),$(if $(filter 1,$(GPU)),-gpu)$(if $(filter-out current,$(ENV_SET)),-$(ENV_SET)))$(foreach e,$(with_list),-$(e))
# edgebench/x86:0.1.0-mxnet1.9.1-ort1.31.1-torch2.13.0-tf2.21.0-litert2.3.0 (runner version + pins)
image_name = $(IMAGE_PREFIX)/$(1)$(call flavour,$(1))
pins = $(shell WITH=$(WITH) LOCK_SUFFIX=$(LOCK_SUFFIX) ENV_SET=$(ENV_SET) docker/pins.sh $(1) $(2))
image_tag = $(call image_name,$(1)):$(VERSION)-$(call pins,$(1),short)
# the x86 image's legacy stage (environments on their own Python, e.g. 3.9 from bullseye) when WITH asks for one
legacy = $(if $(and $(filter x86,$(1)),$(shell $(CATALOG) plan --arch x86_64 --legacy --set $(ENV_SET) \
	$(if $(WITH),--with $(WITH)))),bullseye,none)
# cross builds (an arm image on an x86 host) install wheels from a native stage of the same distribution
builder_for = $(if $(filter x86,$(1)),,$(if $(filter $(arch_$(1)),$(HOST_ARCH)),$(base_$(1)),$(or $(CROSS_BUILDER_IMAGE),$(base_$(1)))))

.PHONY: image images bench-image base-image base-images wheelhouse image-info image-tag \
        image-x86 image-jetson image-rpi image-rpi64

image: ## Build DEVICE's image (DEVICE=x86|jetson|rpi|rpi64; GPU=1, WITH=caffe2|mxnet, ENV_SET=, BASES=local, HOST=ssh://...)
	@test -n "$(DEVICE)" || { echo "make image DEVICE=x86|jetson|rpi|rpi64"; exit 2; }
	@test "$(ENV_SET)" = current -o "$(DEVICE)" = x86 || { echo "ENV_SET=$(ENV_SET): version sets have an x86 image only"; exit 2; }
	$(MAKE) --no-print-directory image-$(DEVICE)

images: image-x86 image-jetson image-rpi image-rpi64 ## Build the images of every device (arm ones under emulation on x86)

image-x86: wheelhouse
image-x86 image-jetson image-rpi image-rpi64: image-%:
	@echo "image: building $(call image_tag,$*) on $(or $(HOST),the local engine)"
	$(DOCKER_ENV) DOCKER_BUILDKIT=1 $(DOCKER) build --network $(BUILD_NETWORK) --platform $(platform_$*) \
	  -f $(dockerfile_$*) $(if $(target_$*),--target $(target_$*)) -t $(call image_tag,$*) -t $(call image_name,$*):latest \
	  --build-arg BASE_IMAGE=$(base_$*) --build-arg BULLSEYE_BASE_IMAGE=$(BULLSEYE_BASE_IMAGE) \
	  $(if $(call builder_for,$*),--build-arg BUILDER_IMAGE=$(call builder_for,$*)) \
	  --build-arg GPU=$(GPU) --build-arg WITH=$(WITH) --build-arg LEGACY=$(call legacy,$*) --build-arg ENV_SET=$(ENV_SET) \
	  $(if $(LOCK_SUFFIX),--build-arg LOCK_SUFFIX=$(LOCK_SUFFIX)) --build-arg IMAGE_TAG=$(call image_tag,$*) \
	  --build-arg PINS="$(call pins,$*,long)" \
	  $(if $(SMOKE_FRAMEWORKS),--build-arg SMOKE_FRAMEWORKS=$(SMOKE_FRAMEWORKS)) \
	  $(if $(PIP_INDEX_URL),--build-arg PIP_INDEX_URL=$(PIP_INDEX_URL)) \
	  $(if $(PIP_EXTRA_INDEX_URL),--build-arg PIP_EXTRA_INDEX_URL=$(PIP_EXTRA_INDEX_URL)) \
	  $(if $(PIP_CERT),--secret id=pip_cert$(comma)src=$(PIP_CERT)) .

# docker/wheels: the torch CPU wheel from this host's pip find-links folder (when there is one) and the
# wheels of WHEELHOUSE, hard-linked (or copied) into the build context.
wheelhouse: ## Fill docker/wheels (torch from the host's pip find-links; WHEELHOUSE=folder adds its wheels)
	@pin=$$(sed -n 's/^torch==//p' envs/pytorch.txt); \
	links=$$($(PYTHON) -m pip config list 2>/dev/null | sed -n "s/.*find-links='\(.*\)'/\1/p" | tr ' ' '\n' | sort -u); \
	for whl in $$(for d in $$links; do ls $$d/torch-$$pin-*x86_64.whl 2>/dev/null; done) \
	           $(if $(WHEELHOUSE),$$(ls $(WHEELHOUSE)/*.whl)); do \
	  [ -f "docker/wheels/$$(basename $$whl)" ] || ln -f "$$whl" docker/wheels/ 2>/dev/null || cp "$$whl" docker/wheels/; \
	done; ls docker/wheels | sed 's/^/wheelhouse: /'

base-image: ## One local base: make base-image SUITE=bookworm ARCH=amd64|arm64|armhf (debootstrap + import)
	@test -n "$(SUITE)" -a -n "$(ARCH)" || { echo "make base-image SUITE=bookworm|bullseye ARCH=amd64|arm64|armhf"; exit 2; }
	@if $(DOCKER) image inspect $(IMAGE_PREFIX)/base:$(SUITE)-$(ARCH) >/dev/null 2>&1 && [ -z "$(FORCE)" ]; then \
	  echo "base-image: $(IMAGE_PREFIX)/base:$(SUITE)-$(ARCH) exists (FORCE=1 rebuilds)"; \
	else DOCKER=$(DOCKER) docker/base-image.sh $(SUITE) $(ARCH) $(IMAGE_PREFIX)/base:$(SUITE)-$(ARCH); fi

base-images: ## The local bases: bookworm amd64/arm64/armhf and bullseye amd64
	$(MAKE) --no-print-directory base-image SUITE=bookworm ARCH=amd64
	$(MAKE) --no-print-directory base-image SUITE=bullseye ARCH=amd64
	$(MAKE) --no-print-directory base-image SUITE=bookworm ARCH=arm64
	$(MAKE) --no-print-directory base-image SUITE=bookworm ARCH=armhf

image-tag: ## Print DEVICE's image tag (runner version and framework pins)
	@echo $(call image_tag,$(DEVICE))

image-info: ## Print DEVICE's image tag, digest and pins
	@$(DOCKER_ENV) $(DOCKER) image inspect -f '{{index .RepoTags 0}} {{.Id}} {{index .Config.Labels "io.edgebench.pins"}}' $(call image_tag,$(DEVICE))

# make bench DEVICE=...: build if needed, run DEVICE's compose service; results into $(OUT)/ (local
# engine) or the engine's edgebench-results volume, copied back into $(OUT)/ (HOST=...).
BENCH_RUN_ID = $(or $(RUN_ID),$(DEVICE)-$(shell date +%Y%m%d-%H%M%S))
bench-image: image
	@mkdir -p $(OUT)
	DEVICE=$(DEVICE) IMAGE=$(call image_tag,$(DEVICE)) SERVICE=$(service_$(DEVICE)) RUN_ID=$(BENCH_RUN_ID) \
	  OUT=$(OUT) HOST=$(HOST) DOCKER="$(DOCKER)" COMPOSE="$(COMPOSE)" GRID=$(GRID) PRESET=$(PRESET) \
	  docker/bench.sh $(ARGS)
