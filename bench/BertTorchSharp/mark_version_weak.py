#!/usr/bin/python3
"""Marks symbol-version requirements of an ELF64 shared library as weak (VER_FLG_WEAK).

Usage: mark_version_weak.py LIBRARY.so VERSION [VERSION ...]   e.g. libLibTorchSharp.so GLIBCXX_3.4.32

TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so asks for
GLIBCXX_3.4.32, which older libstdc++ (GCC 12) lacks; the only symbol of that version it names is
std::ios_base_library_init, which <iostream> references but never calls. A weak version requirement
lets the dynamic loader accept the library anyway. Edits the file in place (run it on the bin copy).
Written from the ELF specification (System V gABI: section headers, .gnu.version_r Verneed/Vernaux).
"""
import struct
import sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


def main(path, versions):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise SystemExit(f"{path}: not a little-endian ELF64 file")
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        patched = []
        for sh in sections:
            if sh[1] != SHT_GNU_VERNEED:
                continue
            strtab = sections[sh[6]]           # sh_link: the string table of the names
            str_off = strtab[4]
            off = sh[4]
            for _ in range(sh[7]):             # sh_info: number of Verneed entries
                vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, off)
                aux = off + vn_aux
                for _ in range(vn_cnt):
                    vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                    end = data.index(b"\0", str_off + vna_name)
                    name = data[str_off + vna_name:end].decode()
                    if name in versions and not vna_flags & VER_FLG_WEAK:
                        struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                        patched.append(name)
                    aux += vna_next
                off += vn_next
        f.seek(0)
        f.write(data)
    print(f"{path}: marked weak: {', '.join(patched) if patched else 'nothing (already weak or not required)'}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], set(sys.argv[2:]))
