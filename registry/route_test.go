package registry

import "testing"

func TestParseRoute(t *testing.T) {
	d := "sha256:" + "ab"
	tests := []struct {
		path string
		want route
	}{
		{"/v2/", route{kind: kindBase}},
		{"/v2", route{kind: kindBase}},
		{"/v2/_catalog", route{kind: kindCatalog}},
		{"/v2/team/app/tags/list", route{kind: kindTags, name: "team/app"}},
		{"/v2/a/blobs/uploads/", route{kind: kindUploadStart, name: "a"}},
		{"/v2/a/b/c/blobs/uploads/u1", route{kind: kindUpload, name: "a/b/c", ref: "u1"}},
		{"/v2/a/manifests/latest", route{kind: kindManifest, name: "a", ref: "latest"}},
		// a repository may be called "manifests" or "blobs"
		{"/v2/x/manifests/blobs/" + d, route{kind: kindBlob, name: "x/manifests", ref: d}},
		{"/v2/x/blobs/manifests/v1", route{kind: kindManifest, name: "x/blobs", ref: "v1"}},
		{"/v2/a/referrers/" + d, route{kind: kindReferrers, name: "a", ref: d}},
		{"/v2/a/manifests/", route{}},
		{"/v3/a/manifests/x", route{}},
		{"/v2/a", route{}},
	}
	for _, tt := range tests {
		if got := parseRoute(tt.path); got != tt.want {
			t.Errorf("parseRoute(%q) = %+v, want %+v", tt.path, got, tt.want)
		}
	}
}

func TestValidNameAndTag(t *testing.T) {
	names := map[string]bool{
		"a": true, "team/app": true, "a.b_c__d-e---f/g": true,
		"": false, "A": false, "a/": false, "/a": false, "a//b": false, "a..b": false, "-a": false,
	}
	for n, want := range names {
		if got := validName(n); got != want {
			t.Errorf("validName(%q) = %v, want %v", n, got, want)
		}
	}
	tags := map[string]bool{"latest": true, "v1.2_3-x": true, "_x": true, ".x": false, "-x": false, "": false, "a/b": false}
	for tg, want := range tags {
		if got := validTag(tg); got != want {
			t.Errorf("validTag(%q) = %v, want %v", tg, got, want)
		}
	}
}
