package catalog

import (
	"slices"
	"testing"
)

func TestViewRemove(t *testing.T) {
	tests := []struct {
		name string
		path string
		self bool // a whiteout removes the path itself, an opaque dir only below it
		want []string
	}{
		{"whiteout of a file", "a/b", true, []string{"a/bc", "x/y"}},
		{"whiteout of a directory", "a", true, []string{"x/y"}},
		{"opaque directory", "a", false, []string{"x/y"}},
		{"opaque keeps the directory's own path", "a/b", false, []string{"a/b", "a/bc", "x/y"}},
		{"a sibling with a shared prefix stays", "a/b", true, []string{"a/bc", "x/y"}},
		{"opaque root", ".", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := view{}
			for _, p := range []string{"a/b", "a/b/c", "a/bc", "x/y"} {
				v[p] = []version{{layer: 0, file: &fileResult{}}}
			}
			v.remove(tt.path, tt.self)
			var got []string
			for p := range v {
				got = append(got, p)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("remove(%q, %v): got %q, want %q", tt.path, tt.self, got, tt.want)
			}
		})
	}
}

func TestUsrMergeAlias(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"bin/ls", "usr/bin/ls", true},
		{"usr/lib/x86_64-linux-gnu/libc.so.6", "lib/x86_64-linux-gnu/libc.so.6", true},
		{"usr/share/doc/x", "", false},
		{"etc/passwd", "", false},
		{"library/x", "", false},
	}
	for _, tt := range tests {
		got, ok := usrMergeAlias(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("usrMergeAlias(%q): got %q %v, want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
