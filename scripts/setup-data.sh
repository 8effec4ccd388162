#!/usr/bin/env bash
# Unpack CIFAR-10 (binary version) into <repo>/data/cifar-10-batches-bin.
#
# Usage: scripts/setup-data.sh [SOURCE]
#   SOURCE  a .tar.xz or .tar.gz archive of the binary version, or an unpacked folder (the
#           cifar-10-batches-bin folder itself or one that contains it).
#           Default: ../shared/data/cifar-10-binary.tar.xz next to the repository root, and
#           when that is absent the official archive from the dataset's home page.
# Environment:
#   FC_DATA_ROOT  destination root instead of <repo>/data (the folder
#                 $FC_DATA_ROOT/cifar-10-batches-bin is created).
#
# Idempotent: when the destination already holds the six .bin files with whole 3073-byte
# records it says so and exits 0. The data is written to a temporary folder first and moved
# into place only once it checks out.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
root=${FC_DATA_ROOT:-$repo/data}
dest=$root/cifar-10-batches-bin
default_source=$repo/../shared/data/cifar-10-binary.tar.xz
url=https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
files=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin
       test_batch.bin)
record=3073

say() { printf 'setup-data: %s\n' "$*"; }
die() { printf 'setup-data: error: %s\n' "$*" >&2; exit 1; }

# check DIR [quiet]: the six files exist with a non-zero whole number of records.
check() {
    local dir=$1 quiet=${2:-} f size ok=0
    for f in "${files[@]}"; do
        if [[ ! -f $dir/$f ]]; then
            [[ -n $quiet ]] || say "missing $dir/$f"
            ok=1
            continue
        fi
        size=$(stat -L -c %s "$dir/$f")
        if (( size == 0 || size % record != 0 )); then
            [[ -n $quiet ]] || say "$dir/$f has $size bytes, expected a non-zero multiple of" \
                "$record (e.g. $((10000 * record)) for 10000 records)"
            ok=1
        fi
    done
    return $ok
}

summary() {
    local dir=$1 f size
    for f in "${files[@]}"; do
        size=$(stat -L -c %s "$dir/$f")
        say "  $f: $((size / record)) records"
    done
}

if [[ -d $dest ]] && check "$dest" quiet; then
    say "$dest is already complete; nothing to do"
    exit 0
fi

source=${1:-}
if [[ -z $source ]]; then
    if [[ -e $default_source ]]; then
        source=$(cd "$(dirname "$default_source")" && pwd)/$(basename "$default_source")
    fi
elif [[ ! -e $source ]]; then
    die "$source does not exist (give a .tar.xz / .tar.gz archive or an unpacked folder)"
fi

mkdir -p "$root"
work=$(mktemp -d "$root/.setup-data.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ -z $source ]]; then
    say "no local archive at $default_source; downloading $url"
    archive=$work/cifar-10-binary.tar.gz
    if command -v curl >/dev/null 2>&1; then
        curl -fL --connect-timeout 20 --retry 2 -o "$archive" "$url" ||
            die "download of $url failed (offline?). Copy the archive here and run:
    scripts/setup-data.sh PATH/cifar-10-binary.tar.gz   (or .tar.xz, or an unpacked folder)"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -T 20 -t 2 -O "$archive" "$url" ||
            die "download of $url failed (offline?). Copy the archive here and run:
    scripts/setup-data.sh PATH/cifar-10-binary.tar.gz   (or .tar.xz, or an unpacked folder)"
    else
        die "no local archive at $default_source and neither curl nor wget to download $url"
    fi
    source=$archive
fi

if [[ -d $source ]]; then
    if [[ -f $source/data_batch_1.bin ]]; then
        from=$source
    elif [[ -f $source/cifar-10-batches-bin/data_batch_1.bin ]]; then
        from=$source/cifar-10-batches-bin
    else
        die "$source holds neither data_batch_1.bin nor cifar-10-batches-bin/"
    fi
    say "copying $from"
    mkdir -p "$work/cifar-10-batches-bin"
    cp -L "$from"/*.bin "$work/cifar-10-batches-bin/"
    if [[ -f $from/batches.meta.txt ]]; then cp -L "$from/batches.meta.txt" "$work/cifar-10-batches-bin/"; fi
else
    # Verify against a SHA256SUMS file next to the archive when it lists it.
    sums=$(dirname "$source")/SHA256SUMS
    name=$(basename "$source")
    if [[ -f $sums ]] && command -v sha256sum >/dev/null 2>&1 &&
        grep -q " \*\?$name\$" "$sums"; then
        say "checking $name against $sums"
        (cd "$(dirname "$source")" && grep " \*\?$name\$" SHA256SUMS | sha256sum -c --quiet -) ||
            die "$source does not match its checksum in $sums: the archive is damaged"
    fi
    case $source in
        *.tar.xz | *.txz)
            command -v xz >/dev/null 2>&1 || die "unpacking $source needs xz (apt-get install xz-utils)"
            opt=-xJf ;;
        *.tar.gz | *.tgz) opt=-xzf ;;
        *) opt=-xf ;;
    esac
    say "unpacking $source"
    tar $opt "$source" -C "$work" || die "cannot unpack $source"
    if [[ ! -d $work/cifar-10-batches-bin ]]; then
        found=$(find "$work" -name data_batch_1.bin -print -quit)
        [[ -n $found ]] || die "$source does not contain data_batch_1.bin: not the CIFAR-10 binary version"
        mv "$(dirname "$found")" "$work/cifar-10-batches-bin"
    fi
fi

check "$work/cifar-10-batches-bin" || die "the unpacked data is incomplete (see above)"
if [[ -e $dest || -L $dest ]]; then
    say "replacing the incomplete $dest"
    rm -rf "$dest"
fi
mv "$work/cifar-10-batches-bin" "$dest"
say "CIFAR-10 is ready in $dest"
summary "$dest"
