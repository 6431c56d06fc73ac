package registry

import (
	"errors"
	"testing"
)

// The parsers see raw client input; they must answer with a wire error,
// never panic. `go test` runs the seeds; `go test -fuzz` explores further.

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:`+
		`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":1},"layers":[]}`), "")
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"digest":"x"}]}`), mediaOCIIndex)
	f.Add([]byte(`{"subject":null,"layers":[null]}`), mediaDockerManifest)
	f.Add([]byte(`[]`), "")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		p, err := parseManifest(body, ct)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("parseManifest error %v is not a wire error", err)
		}
		if err == nil && p.mediaType == "" {
			t.Fatalf("accepted a manifest without a media type")
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "bytes=-5", "bytes=9-", "bytes=5-1", "bytes=a-b", "bytes=1-2,3-4", ""} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		start, end, partial, err := parseRange(h, size)
		if err == nil && partial && (start < 0 || end >= size || start > end) {
			t.Fatalf("parseRange(%q, %d) = %d-%d, outside the blob", h, size, start, end)
		}
	})
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"/v2/", "/v2/a/b/manifests/c", "/v2/a/blobs/uploads/", "/v2//blobs/", "/v2/a/referrers/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		rt := parseRoute(path)
		if rt.kind != kindNone && rt.kind != kindBase && rt.kind != kindCatalog && rt.name == "" && rt.kind != kindTags && rt.kind != kindUploadStart {
			t.Fatalf("parseRoute(%q) = %+v: a resource without a repository", path, rt)
		}
	})
}
