package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// The package files of the generated image: what a Debian base with a
// Python and Node runtime and an application on top would hold, in the
// numbers such images have.

const osRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"

func dpkgStatus(from, to int) []byte {
	var b bytes.Buffer
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "Package: pkg%d\nStatus: install ok installed\nArchitecture: amd64\nSource: src%d (1.%d-1)\nVersion: 1.%d-1+b1\nDescription: package %d\n\n", i, i/3, i, i, i)
	}
	return b.Bytes()
}

// dpkgLists writes info/*.list files owning 30 paths each, the first of
// them a dist-info METADATA for every tenth package.
func dpkgLists(w *layerWriter, from, to int) {
	for i := from; i < to; i++ {
		var b strings.Builder
		if i%10 == 0 {
			fmt.Fprintf(&b, "/usr/lib/python3/dist-packages/py%d-1.0.dist-info/METADATA\n", i)
			w.file(fmt.Sprintf("usr/lib/python3/dist-packages/py%d-1.0.dist-info/METADATA", i), 0o644, pyMeta(fmt.Sprintf("py%d", i), "1.0"))
		}
		for j := 0; j < 30; j++ {
			fmt.Fprintf(&b, "/usr/share/doc/pkg%d/file%d\n", i, j)
		}
		w.file(fmt.Sprintf("var/lib/dpkg/info/pkg%d.list", i), 0o644, []byte(b.String()))
	}
}

func pyMeta(name, version string) []byte {
	return []byte("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n")
}

// hostELF is a real non-Go executable, for the extractors to look at and
// pass by as real images make them do.
func hostELF() []byte {
	for _, p := range []string{"/bin/ls", "/usr/bin/ls", "/bin/sh"} {
		if b, err := os.ReadFile(p); err == nil {
			return b
		}
	}
	return []byte("\x7fELF")
}

// goBinary is this program: a real Go binary with build information.
func goBinary() []byte {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		panic(err)
	}
	return b
}

func debianBase(w *layerWriter) {
	w.file("etc/os-release", 0o644, []byte(osRelease))
	w.file("var/lib/dpkg/status", 0o644, dpkgStatus(0, 300))
	dpkgLists(w, 0, 300)
	elf := hostELF()
	for i := 0; i < 60; i++ {
		w.file(fmt.Sprintf("usr/bin/tool%d", i), 0o755, elf)
		w.file(fmt.Sprintf("usr/bin/script%d", i), 0o755, []byte("#!/bin/sh\nexec tool \"$@\"\n"))
	}
}

func debianRuntime(w *layerWriter) {
	w.file("var/lib/dpkg/status", 0o644, dpkgStatus(0, 450))
	dpkgLists(w, 300, 450)
	elf := hostELF()
	for i := 0; i < 40; i++ {
		w.file(fmt.Sprintf("usr/lib/x86_64-linux-gnu/libx%d.so.1", i), 0o644, elf)
	}
}

func appDeps(w *layerWriter) {
	var lock strings.Builder
	lock.WriteString(`{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"app","version":"1.0.0"}`)
	for i := 0; i < 800; i++ {
		fmt.Fprintf(&lock, `,"node_modules/dep%d":{"version":"1.%d.0","resolved":"https://registry.npmjs.org/dep%d/-/dep%d-1.%d.0.tgz","integrity":"sha512-x"}`, i, i, i, i, i)
		w.file(fmt.Sprintf("app/node_modules/dep%d/package.json", i), 0o644, []byte(fmt.Sprintf(`{"name":"dep%d","version":"1.%d.0","description":"%s"}`, i, i, strings.ReplaceAll(string(w.text(300)), "\n", " "))))
		w.file(fmt.Sprintf("app/node_modules/dep%d/index.js", i), 0o644, w.text(4096))
	}
	lock.WriteString("}}")
	w.file("app/package-lock.json", 0o644, []byte(lock.String()))
	for i := 0; i < 100; i++ {
		w.file(fmt.Sprintf("usr/local/lib/python3.11/site-packages/lib%d-2.%d.dist-info/METADATA", i, i), 0o644, pyMeta(fmt.Sprintf("lib%d", i), fmt.Sprintf("2.%d", i)))
	}
	for i := 0; i < 20; i++ {
		w.file(fmt.Sprintf("app/lib/art%d-3.%d.jar", i, i), 0o644, jar(w, i))
	}
}

func appBinaries(w *layerWriter) {
	bin := goBinary()
	w.file("app/bin/server", 0o755, bin)
	w.file("app/App.deps.json", 0o644, []byte(`{"targets":{},"libraries":{"Newtonsoft.Json/13.0.3":{"type":"package"}}}`))
	w.file("usr/local/bundle/specifications/rack-3.0.8.gemspec", 0o644, []byte("Gem::Specification.new do |s|\n  s.name = \"rack\"\n  s.version = \"3.0.8\"\nend\n"))
}

// jar is a Java archive with Maven metadata and some incompressible
// class files.
func jar(w *layerWriter, i int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add := func(name string, body []byte) {
		f, err := zw.Create(name)
		if err != nil {
			panic(err)
		}
		f.Write(body)
	}
	add("META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\n\r\n"))
	add(fmt.Sprintf("META-INF/maven/com.example/art%d/pom.properties", i), []byte(fmt.Sprintf("groupId=com.example\nartifactId=art%d\nversion=3.%d\n", i, i)))
	for j := 0; j < 20; j++ {
		add(fmt.Sprintf("com/example/C%d.class", j), w.random(10*1024))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}
