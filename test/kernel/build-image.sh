#!/usr/bin/env bash
# Builds what the kernel test tier boots under QEMU: a stock Debian kernel
# (it has IPVS as modules; the host kernel may not) and a small busybox
# initramfs holding only the modules the guest needs and test/kernel/guest/init.
# Everything else (node, ipvsadm, keepalived, this repository) the guest sees
# from the host's root over 9p, read-only.
#
#   test/kernel/build-image.sh [CACHE_DIR]
#
# CACHE_DIR defaults to node_modules/.cache/keepalived-ts-kernel. It keeps the
# downloaded .debs, vmlinuz, initrd.gz and a stamp; a second run with the same
# inputs does nothing. Needs apt-get/dpkg-deb (Debian), root not required for
# `apt-get download`. Prints the cache directory on stdout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${1:-${KTS_KERNEL_CACHE:-$REPO/node_modules/.cache/keepalived-ts-kernel}}
KFLAVOUR=amd64 # the generic flavour has 9p (cloud-amd64 does not)
# The modules the guest loads at boot, in this order (crc32c_generic before
# libcrc32c's users: busybox modprobe ignores the crypto softdep).
MODULES="crc32c_generic virtio_pci virtio_net virtio_console 9pnet_virtio 9p overlay nf_conntrack
  ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh ip_vs_sed
  ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_ftp ip_vs_pe_sip"

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$CACHE/debs"
exec 9>"$CACHE/.lock"
flock 9 # two test files starting at once build it once

stamp_now() {
  { cat "$HERE/build-image.sh" "$HERE/guest/init"; echo "$MODULES"; ls "$CACHE/debs"; } | sha256sum | cut -d' ' -f1
}

# The versioned kernel package behind the linux-image-amd64 metapackage.
kernel_package() {
  apt-cache depends "linux-image-$KFLAVOUR" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

download() {
  local kpkg
  # Once downloaded, the kernel stays (same kernel from run to run; apt-cache
  # costs a second): KTS_KERNEL_REFRESH=1 looks for a newer one.
  if [ "${KTS_KERNEL_REFRESH:-0}" != 1 ] && ls "$CACHE"/debs/linux-image-*.deb "$CACHE"/debs/busybox-static_*.deb >/dev/null 2>&1; then
    return
  fi
  kpkg=$(kernel_package)
  if [ -z "$kpkg" ]; then
    log "apt-get update (linux-image-$KFLAVOUR unknown to apt)"
    apt-get update -qq >&2
    kpkg=$(kernel_package)
  fi
  [ -n "$kpkg" ] || die "cannot resolve linux-image-$KFLAVOUR with apt-cache"
  if ! ls "$CACHE/debs/${kpkg}"_*.deb >/dev/null 2>&1 || ! ls "$CACHE"/debs/busybox-static_*.deb >/dev/null 2>&1; then
    log "apt-get download $kpkg busybox-static"
    rm -f "$CACHE"/debs/*.deb
    # As root into a directory _apt cannot write, apt warns that it downloads unsandboxed: harmless.
    (cd "$CACHE/debs" && apt-get download "$kpkg" busybox-static 2>&1 | grep -v 'unsandboxed' >&2 || true)
    ls "$CACHE/debs/${kpkg}"_*.deb >/dev/null 2>&1 || die "apt-get download $kpkg failed"
    ls "$CACHE"/debs/busybox-static_*.deb >/dev/null 2>&1 || die "apt-get download busybox-static failed"
  fi
}

# Module names -> the .ko files (relative to lib/modules/KV) they need, from a modules.dep.
module_closure() {
  awk -v want="$2" '
    BEGIN { n = split(want, w, /[ \n]+/); for (i = 1; i <= n; i++) if (w[i] != "") { gsub("-", "_", w[i]); W[w[i]] = 1 } }
    {
      key = $1; sub(":$", "", key)
      name = key; sub(".*/", "", name); sub("\\.ko(\\.[a-z]+)?$", "", name); gsub("-", "_", name)
      D[name] = $0; P[name] = key
    }
    END {
      for (m in W) {
        if (!(m in P)) { print "build-image: " m " is not a loadable module (built in?)" > "/dev/stderr"; continue }
        nf = split(D[m], f, " "); out[P[m]] = 1
        for (i = 2; i <= nf; i++) out[f[i]] = 1
      }
      for (p in out) print p
    }' "$1"
}

build() {
  local work kdeb bbdeb kv stage
  work=$(mktemp -d "$CACHE/work.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  kdeb=$(ls "$CACHE"/debs/linux-image-*.deb | head -n1)
  bbdeb=$(ls "$CACHE"/debs/busybox-static_*.deb | head -n1)
  dpkg-deb -x "$bbdeb" "$work/busybox"
  local busybox="$work/busybox/bin/busybox"
  # Only the kernel image and the modules; Debian ships no modules.dep (its
  # postinst runs depmod), and busybox depmod makes one without kmod.
  mkdir -p "$work/kernel"
  dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/kernel" --wildcards './boot/vmlinuz-*' './lib/modules/*'
  kv=$(ls "$work/kernel/lib/modules" | head -n1)
  "$busybox" depmod -b "$work/kernel" "$kv"

  stage="$work/stage"
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,mnt,lib/modules/"$kv"}
  install -m 0755 "$busybox" "$stage/bin/busybox"
  install -m 0755 "$HERE/guest/init" "$stage/init"
  local ko
  for ko in $(module_closure "$work/kernel/lib/modules/$kv/modules.dep" "$MODULES"); do
    install -D -m 0644 "$work/kernel/lib/modules/$kv/$ko" "$stage/lib/modules/$kv/$ko"
  done
  cp "$work/kernel/lib/modules/$kv"/modules.{order,builtin} "$stage/lib/modules/$kv/"
  "$busybox" depmod -b "$stage" "$kv"
  echo $MODULES > "$stage/etc/kts-modules"
  (cd "$stage" && find . | sort | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$work/initrd.gz"
  install -m 0644 "$work/kernel/boot/vmlinuz-$kv" "$work/vmlinuz"
  mv "$work/initrd.gz" "$CACHE/initrd.gz"
  mv "$work/vmlinuz" "$CACHE/vmlinuz"
  echo "$kv" > "$CACHE/kernel-version"
  log "kernel $kv, initramfs $(du -h "$CACHE/initrd.gz" | cut -f1) in $CACHE"
}

download
if [ ! -s "$CACHE/initrd.gz" ] || [ ! -s "$CACHE/vmlinuz" ] || [ "$(cat "$CACHE/stamp" 2>/dev/null)" != "$(stamp_now)" ]; then
  build
  stamp_now > "$CACHE/stamp"
fi
echo "$CACHE"
