package catalog

import (
	"slices"
	"testing"
)

// TestCoverHides checks which lower paths one layer's record hides.
func TestCoverHides(t *testing.T) {
	lower := []string{"a/b", "a/b/c", "a/bc", "x/y"}
	tests := []struct {
		name  string
		layer layerResult // what the upper layer recorded
		want  []string    // the lower paths that survive it
	}{
		{"whiteout of a file", layerResult{Whiteouts: []string{"a/b"}}, []string{"a/bc", "x/y"}},
		{"whiteout of a directory", layerResult{Whiteouts: []string{"a"}}, []string{"x/y"}},
		{"opaque directory", layerResult{Opaques: []string{"a"}}, []string{"x/y"}},
		{"opaque keeps the directory's own path", layerResult{Opaques: []string{"a/b"}}, []string{"a/b", "a/bc", "x/y"}},
		{"opaque root", layerResult{Opaques: []string{"."}}, nil},
		{"a symlink hides its path and below", layerResult{Hides: []string{"a/b"}}, []string{"a/bc", "x/y"}},
		{"a directory hides a file of its name", layerResult{Dirs: []string{"a/bc"}}, []string{"a/b", "a/b/c", "x/y"}},
		{"a directory below a file hides the file", layerResult{Dirs: []string{"a/bc/d/e"}}, []string{"a/b", "a/b/c", "x/y"}},
		{"a directory above files hides none", layerResult{Dirs: []string{"a/b-c", "x"}}, lower},
		{"a file hides what was below it, not itself", layerResult{Files: map[string]*fileResult{"a/b": {}}}, []string{"a/b", "a/bc", "x/y"}},
		{"a hard link hides what was below it, not itself", layerResult{Links: map[string]string{"a/b": "x/y"}}, []string{"a/b", "a/bc", "x/y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := coverOf(&tt.layer, nil)
			var got []string
			for _, p := range lower {
				if !c.hides(p) {
					got = append(got, p)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDeepestDirs(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"a", "a/b", "a/b/c", "a-b", "a/bc"}, []string{"a/b/c", "a/bc", "a-b"}},
		{[]string{"usr/lib", "usr", "usr/lib/x/y", "usr/libexec"}, []string{"usr/lib/x/y", "usr/libexec"}},
		{nil, nil},
	}
	for _, tt := range tests {
		set := map[string]struct{}{}
		for _, d := range tt.in {
			set[d] = struct{}{}
		}
		if got := deepestDirs(set); !slices.Equal(got, tt.want) {
			t.Errorf("deepestDirs(%q): got %q, want %q", tt.in, got, tt.want)
		}
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
