package registry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// serveBlob answers GET, HEAD and DELETE on /v2/<name>/blobs/<digest>.
func (rg *Registry) serveBlob(w http.ResponseWriter, r *http.Request, rt route) {
	d, err := parseDigest(rt.ref)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	if r.Method == http.MethodDelete {
		if err := rg.svc.DeleteBlob(ctx, callerOf(r), rt.name, d); err != nil {
			rg.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	size, err := rg.svc.BlobSize(withHead(ctx, r.Method == http.MethodHead), callerOf(r), rt.name, d)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Docker-Content-Digest", d.String())
	h.Set("ETag", `"`+d.String()+`"`)
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", "max-age=31536000") // content-addressed: never changes
	start, end, partial, err := parseRange(r.Header.Get("Range"), size)
	if err != nil {
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		rg.writeError(w, r, err)
		return
	}
	length := end - start + 1
	if size == 0 {
		length = 0
	}
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	rc, err := rg.svc.OpenBlob(ctx, d, start)
	if err != nil {
		// The store says the blob exists but its bytes are gone: a broken
		// storage backend. Say "unknown" rather than serve something else.
		rg.log.ErrorContext(ctx, "registry: blob in store but not in blob store", "digest", d.String(), "err", err)
		h.Del("Content-Length")
		h.Del("Content-Range")
		rg.writeError(w, r, blobErr(err, d))
		return
	}
	defer rc.Close()
	w.WriteHeader(status)
	if _, err := io.CopyN(w, rc, length); err != nil {
		rg.log.DebugContext(ctx, "registry: blob download cut short", "digest", d.String(), "err", err)
	}
}

// blobErr maps store and blob store errors to wire errors.
func blobErr(err error, d blobstore.Digest) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, blobstore.ErrBlobUnknown) {
		return newError(CodeBlobUnknown, "%s", d)
	}
	return err
}

// parseDigest validates a digest from a path or query.
func parseDigest(s string) (blobstore.Digest, error) {
	d, err := blobstore.ParseDigest(s)
	if err != nil {
		return d, newError(CodeDigestInvalid, "%w", err)
	}
	return d, nil
}

// parseRange reads a single "bytes=" range against a blob of size bytes.
// An absent or unparseable header means the whole blob; a range that
// cannot be satisfied is RANGE_INVALID (416).
func parseRange(h string, size int64) (start, end int64, partial bool, err error) {
	whole := func() (int64, int64, bool, error) { return 0, size - 1, false, nil }
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if h == "" || !ok || strings.Contains(spec, ",") {
		return whole() // multiple ranges are optional; the whole blob is a valid answer
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return whole()
	}
	bad := newError(CodeRangeUnsatisfiable, "%q of %d bytes", h, size)
	switch {
	case first == "": // suffix: the last N bytes
		n, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || n <= 0 || size == 0 {
			return 0, 0, false, bad
		}
		return max(size-n, 0), size - 1, true, nil
	default:
		s, perr := strconv.ParseInt(first, 10, 64)
		if perr != nil || s < 0 || s >= size {
			return 0, 0, false, bad
		}
		e := size - 1
		if last != "" {
			if e, perr = strconv.ParseInt(last, 10, 64); perr != nil || e < s {
				return 0, 0, false, bad
			}
			e = min(e, size-1)
		}
		return s, e, true, nil
	}
}
