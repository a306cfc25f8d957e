# Makefile for calsync. `make help` lists the targets. On a fresh Debian/Ubuntu machine
# `make demo` and `make test` install the OS packages they need through .ci/install-deps.sh.

GO       ?= go
BIN      := bin
# Version stamping: cmd/calsync declares `var version, commit, date string` in package main.
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# SOURCE_DATE_EPOCH (reproducible builds) wins over the wall clock; -d is GNU date, -r BSD/macOS.
DATE     := $(shell e=$${SOURCE_DATE_EPOCH:-$$(date +%s)}; \
	date -u -d "@$$e" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$$e" +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
# The GUI binary exists once cmd/calsync has Go files; until then the targets that need it skip it.
HAVE_CMD := $(wildcard cmd/calsync/*.go)
MINGW_CC := x86_64-w64-mingw32-gcc

.DEFAULT_GOAL := help
.PHONY: help deps deps-build build demo test test-race vet fmt-check cross bench screenshots clean \
	package package-windows package-linux package-darwin package-check wine-test fuzz soak

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install the missing OS packages for building, the demo and the tests (Debian/Ubuntu)
	@.ci/install-deps.sh all

deps-build: ## install only what building the GUI needs (C toolchain, GL/X11 headers)
	@.ci/install-deps.sh build

build: ## build bin/calsync with version, commit and date stamped in
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/calsync ./cmd/calsync

demo: ## run `calsync demo` on the embedded office (headless when there is no display)
	@.ci/install-deps.sh build
	@$(MAKE) --no-print-directory build
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		$(BIN)/calsync demo; \
	else \
		echo "no DISPLAY or WAYLAND_DISPLAY: running the demo headless"; \
		$(BIN)/calsync demo --headless; \
	fi

# The steps run one after the other (also under make -j): the packages must be there first.
test: ## what CI runs: OS packages, gofmt, vet, race tests with a real keychain, cross-builds, package checks, Wine
	@for step in deps fmt-check vet test-race cross package-check wine-test; do \
		echo "== make $$step"; $(MAKE) --no-print-directory $$step || exit 1; \
	done

test-race: ## go test -race ./... against a real Secret Service (private D-Bus session + gnome-keyring)
	.ci/with-keyring.sh $(GO) test -race ./...
	$(MAKE) --no-print-directory build
	.ci/with-keyring.sh .ci/secret-smoke.sh $(BIN)/calsync

vet: ## go vet ./... (and the pure-Go engine for windows and darwin)
	$(GO) vet ./...
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) vet ./sync/...
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) vet ./sync/...

fmt-check: ## fail listing every Go file gofmt would change
	@files=$$(gofmt -l .); \
	if [ -n "$$files" ]; then \
		echo "gofmt needed on:"; echo "$$files" | sed 's/^/  /'; \
		echo "run: gofmt -w <files>"; exit 1; \
	fi

# The Windows GUI gets its icon, version information and manifest from a resource object
# (packaging/windows/calsync.rc) that the windows/amd64 build alone links, by its file name.
cross: ## cross-build the engine for windows/darwin without cgo, and the Windows GUI with mingw-w64
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build ./sync/...
	GOOS=darwin GOARCH=amd64 CGO_ENABLED=0 $(GO) build ./sync/...
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build ./sync/...
ifneq ($(HAVE_CMD),)
	@mkdir -p $(PKG_STAGE)
	$(GO) run ./packaging/windows/mkico -in assets/icon.png -out $(WIN_ICO)
	packaging/windows/mkrsrc.sh "$(VERSION)" "$(PKG_NUMERIC)" $(WIN_ICO) $(WIN_SYSO)
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW_CC) \
		$(GO) build -ldflags "$(LDFLAGS) -H windowsgui" -o $(WIN_EXE) ./cmd/calsync
	packaging/windows/check-exe.sh $(WIN_EXE) "$(PKG_NUMERIC)"
else
	@echo "cmd/calsync has no Go files yet: cross-building the GUI package only"
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW_CC) $(GO) build ./app/...
endif

# Packaging (packaging/README.md). `make test` runs package-check, which builds the installer
# with the quicker zlib compressor; `make package` builds the release one (LZMA, ~25 s more).
PKG_VERSION  := $(shell packaging/version.sh file "$(VERSION)")
PKG_NUMERIC  := $(shell packaging/version.sh numeric "$(VERSION)")
# The app's metadata is the top-level FyneApp.toml, read through packaging/appmeta.sh.
APP_NAME     := $(shell packaging/appmeta.sh get Name)
PKG_STAGE    := $(BIN)/package
WIN_EXE      := $(BIN)/windows-amd64/calsync.exe
WIN_ICO      := $(PKG_STAGE)/calsync.ico
WIN_SYSO     := cmd/calsync/rsrc_windows_amd64.syso
WIN_SETUP    := $(BIN)/calsync-setup-$(PKG_VERSION).exe
LINUX_TARGZ  := $(BIN)/calsync-$(PKG_VERSION)-linux-amd64.tar.gz
LINUX_DESKTOP := $(PKG_STAGE)/calsync.desktop
# NSIS compressor; empty means the script's default, /SOLID lzma (package-check uses zlib).
NSIS_COMPRESSOR ?=

package: ## build what this host can: the Windows installer and the Linux tar.gz under bin/
	@.ci/install-deps.sh package
	@packaging/version.sh check "$(VERSION)"
	@$(MAKE) --no-print-directory package-windows
	@$(MAKE) --no-print-directory package-linux
	@echo "package: the macOS app needs a Mac: make package-darwin there (packaging/README.md)"

package-windows: ## bin/calsync-setup-<version>.exe (NSIS); signed when SIGN_CERT and SIGN_KEY are set
	@[ -f $(WIN_EXE) ] && [ -f $(WIN_ICO) ] || $(MAKE) --no-print-directory cross
	rm -rf $(PKG_STAGE)/windows && mkdir -p $(PKG_STAGE)/windows $(dir $(WIN_SETUP))
	packaging/windows/check-exe.sh $(WIN_EXE) "$(PKG_NUMERIC)"
	cp $(WIN_EXE) $(PKG_STAGE)/windows/calsync.exe
	cp $(WIN_ICO) $(PKG_STAGE)/windows/calsync.ico
	packaging/windows/sign.sh $(PKG_STAGE)/windows/calsync.exe
	makensis -V2 -DAPPNAME="$(APP_NAME)" -DVERSION=$(VERSION) -DVIVERSION=$(PKG_NUMERIC) $(if $(NSIS_COMPRESSOR),-DCOMPRESSOR=$(NSIS_COMPRESSOR)) \
		-DSRCEXE=$(CURDIR)/$(PKG_STAGE)/windows/calsync.exe -DICON=$(CURDIR)/$(PKG_STAGE)/windows/calsync.ico \
		-DOUTFILE=$(CURDIR)/$(WIN_SETUP) packaging/windows/calsync.nsi
	packaging/windows/sign.sh $(WIN_SETUP)
	packaging/windows/check-installer.sh $(WIN_SETUP)

package-linux: ## bin/calsync-<version>-linux-amd64.tar.gz: binary, .desktop, systemd user unit, icon, install.sh
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory $(LINUX_DESKTOP)
	rm -rf $(PKG_STAGE)/linux && mkdir -p $(PKG_STAGE)/linux/calsync-$(PKG_VERSION)/icons/hicolor/512x512/apps
	cp $(BIN)/calsync packaging/linux/install.sh $(LINUX_DESKTOP) $(PKG_STAGE)/linux/calsync-$(PKG_VERSION)/
	$(BIN)/calsync service print-config --os linux --portable >$(PKG_STAGE)/linux/calsync-$(PKG_VERSION)/calsync.service
	cp assets/icon.png $(PKG_STAGE)/linux/calsync-$(PKG_VERSION)/icons/hicolor/512x512/apps/calsync.png
	tar -C $(PKG_STAGE)/linux --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || echo 0)} \
		-czf $(LINUX_TARGZ) calsync-$(PKG_VERSION)
	@tar -tzvf $(LINUX_TARGZ)

# The menu entry is rendered from FyneApp.toml, then validated (desktop-file-utils).
$(LINUX_DESKTOP): FyneApp.toml
	@mkdir -p $(dir $@)
	packaging/appmeta.sh desktop >$@.tmp && mv $@.tmp $@
	@if command -v desktop-file-validate >/dev/null; then desktop-file-validate $@; \
	else echo "desktop-file-validate not found (desktop-file-utils): $@ not validated"; fi

package-darwin: ## on a Mac: bin/calsync-<version>-macos.dmg with the .app (signed/notarized with SIGN_IDENTITY, NOTARY_PROFILE)
	packaging/darwin/package.sh "$(VERSION)" "$(LDFLAGS)" $(BIN)

# What CI can check of the packages in about ten seconds: the installer's contents and a signature
# made with a throwaway certificate, the resources inside calsync.exe, the macOS plists (the
# LaunchAgent rendered from the code) and the .desktop file. Uses the binaries of make cross and
# make build, building them when missing (make test has just built both).
package-check: ## cheap package checks (make test runs it): installer contents and test signature, exe resources, plists, .desktop
	@[ -f $(WIN_EXE) ] && [ -f $(WIN_ICO) ] || $(MAKE) --no-print-directory cross
	@[ -f $(BIN)/calsync ] || $(MAKE) --no-print-directory build
	@packaging/version.sh check "$(VERSION)"
	$(MAKE) --no-print-directory package-windows NSIS_COMPRESSOR=zlib WIN_SETUP=$(PKG_STAGE)/check/calsync-setup-check.exe
	packaging/windows/test-sign.sh $(PKG_STAGE)/check/calsync-setup-check.exe
	packaging/darwin/check-plists.sh $(BIN)/calsync "$(VERSION)"
	$(MAKE) --no-print-directory $(LINUX_DESKTOP)
	desktop-file-validate $(LINUX_DESKTOP)
	@echo "package-check: all package checks passed"

# The Windows program and installer, run under Wine (.ci/wine-test.sh, packaging/README.md): the
# installer package-check built (zlib), a fresh prefix, the emulators on 127.0.0.1. Artefacts
# (the window's screenshot, calsync status's output) go to bin/wine/.
WINE_SETUP := $(PKG_STAGE)/check/calsync-setup-check.exe
wine-test: ## run calsync.exe and its installer under Wine: install, service, sync, status, window, demo, upgrade, uninstall
	@[ -f $(WIN_EXE) ] || $(MAKE) --no-print-directory cross
	@[ -f $(WINE_SETUP) ] || $(MAKE) --no-print-directory package-check
	.ci/wine-test.sh $(WIN_EXE) $(WINE_SETUP) $(BIN)/wine

bench: ## regenerate the figures of docs/benchmarks.md (about four minutes; the idle one waits a minute)
	$(GO) test -run '^$$' -bench BenchmarkGetSchedules1000 -benchtime 5x ./sync/graph/
	$(GO) test -run '^$$' -bench 'BoundaryLatency|MemoryAfterSimulatedHour|IdleCPU' -benchtime 1x ./sync/presence/
	$(GO) test -run '^$$' -bench 'Decide|Match' ./sync/rules/
	$(GO) test -run '^$$' -bench BenchmarkContacts200x300 -benchtime 1x ./sync/contacts/
	$(GO) test -run '^$$' -bench BenchmarkTeamsPresence10k -benchtime 1x ./sync/presence/

soak: ## fault soak (200 users, 7 simulated days) and 5000-user load run; writes docs/reliability.md (~2 min)
	$(GO) test -run '^TestSoak$$' -v -timeout 60m ./sync/presence/ -soak -soak.report $(CURDIR)/docs/reliability.md
	$(GO) test -run '^$$' -bench BenchmarkLoad5000 -benchtime 1x -timeout 20m ./sync/presence/

FUZZTIME ?= 1m
# Every fuzz target with its package; a crasher lands in that package's testdata/fuzz and then
# runs as a regression test in `make test`.
FUZZ_TARGETS := \
	FuzzDecodeValidate:./sync/config FuzzParseUsersCSV:./sync/config FuzzMatch:./sync/rules \
	FuzzParseScheduleResponse:./sync/graph FuzzParsePresence:./sync/onecloud FuzzParseUsersPage:./sync/onecloud \
	FuzzHandler:./sync/localapi FuzzNormalizeValue:./sync/secrets FuzzParseName:./sync/secrets \
	FuzzEntry:./sync/contacts FuzzParseContactsPage:./sync/graph FuzzParsePhonebookPage:./sync/onecloud \
	FuzzValidateContact:./sync/onecloud FuzzParse:./sync/workhours FuzzTimeOfDay:./sync/workhours \
	FuzzImport:./sync/certcred FuzzParseKeySecret:./sync/certcred FuzzParseCertificatePEM:./sync/certcred \
	FuzzAPIErrorBody:./sync/onecloud FuzzParseExpiryInput:./sync/config

fuzz: ## run every fuzz target for FUZZTIME each (default 1m)
	@for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; echo "== $$name ($$pkg)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

screenshots: ## render each tab of the desktop demo under Xvfb into docs/screenshots/*.png
	@.ci/install-deps.sh screenshots
	@$(MAKE) --no-print-directory build
	.ci/screenshots.sh $(BIN)/calsync

clean: ## remove build output
	rm -rf $(BIN)
