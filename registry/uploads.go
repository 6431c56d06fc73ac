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

// startUpload answers POST /v2/<name>/blobs/uploads/: a mount, a
// single-request push (?digest=), or a new upload session.
func (rg *Registry) startUpload(w http.ResponseWriter, r *http.Request, rt route) {
	ctx := r.Context()
	q := r.URL.Query()
	if m := q.Get("mount"); m != "" {
		d, err := parseDigest(m)
		if err != nil {
			rg.writeError(w, r, err)
			return
		}
		from := q.Get("from")
		if from != "" && !validName(from) {
			rg.writeError(w, r, newError(CodeNameInvalid, "from=%q", from))
			return
		}
		visible := func(repo string) bool { return rg.visible(ctx, repo) }
		if ok, err := rg.svc.Mount(ctx, callerOf(r), rt.name, from, d, visible); err != nil {
			rg.writeError(w, r, err)
			return
		} else if ok {
			rg.blobCreated(w, rt.name, d)
			return
		}
		// Not mountable: the spec says to fall back to a new session.
	} else if ds := q.Get("digest"); ds != "" {
		d, err := parseDigest(ds)
		if err != nil {
			rg.writeError(w, r, err)
			return
		}
		body, err := rg.quotaBody(ctx, uploadOwner(r), r.Body)
		if err != nil {
			rg.writeError(w, r, err)
			return
		}
		if err := rg.svc.PutBlob(ctx, rt.name, d, body); err != nil {
			rg.writeError(w, r, err)
			return
		}
		rg.blobCreated(w, rt.name, d)
		return
	}
	id := blobstore.NewUploadID()
	if err := rg.st.CreateUploadFor(ctx, rt.name, id, uploadOwner(r), rg.o.maxUploads); err != nil {
		if errors.Is(err, store.ErrLimit) {
			err = newError(CodeUploadLimit, "an account may have at most %d unfinished uploads; finish or cancel some", rg.o.maxUploads)
		}
		rg.writeError(w, r, err)
		return
	}
	rg.uploadStatus(w, rt.name, id, 0, http.StatusAccepted)
}

// serveUpload answers GET (status), PATCH (a chunk), PUT (finish) and
// DELETE (cancel) on /v2/<name>/blobs/uploads/<id>.
func (rg *Registry) serveUpload(w http.ResponseWriter, r *http.Request, rt route) {
	ctx := r.Context()
	id := rt.ref
	if !validUploadID(id) {
		rg.writeError(w, r, newError(CodeBlobUploadUnknown, "%q", id))
		return
	}
	var want blobstore.Digest
	if r.Method == http.MethodPut {
		// Check the digest before touching the session: a bad request must
		// not consume the upload.
		var err error
		if want, err = parseDigest(r.URL.Query().Get("digest")); err != nil {
			rg.writeError(w, r, err)
			return
		}
	}
	unlock := rg.lockUpload(id)
	defer unlock()
	up, err := rg.st.GetUpload(ctx, rt.name, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = newError(CodeBlobUploadUnknown, "%s", id)
		}
		rg.writeError(w, r, err)
		return
	}
	p := blobstore.Progress{Written: up.Written, State: up.HashState}
	switch r.Method {
	case http.MethodGet:
		rg.uploadStatus(w, rt.name, id, p.Written, http.StatusNoContent)
	case http.MethodDelete:
		if err := rg.blobs.Cancel(ctx, id); err != nil {
			rg.writeError(w, r, err)
			return
		}
		if err := rg.st.DeleteUpload(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			rg.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		next, err := rg.appendChunk(r, up, p, "sha256")
		if err != nil {
			rg.chunkError(w, r, rt.name, id, next.Written, err)
			return
		}
		rg.uploadStatus(w, rt.name, id, next.Written, http.StatusAccepted)
	case http.MethodPut:
		if hasBody(r) {
			alg := "sha256"
			if p.Written == 0 {
				alg = want.Algorithm // a monolithic PUT is hashed once, in the right algorithm
			}
			if p, err = rg.appendChunk(r, up, p, alg); err != nil {
				rg.chunkError(w, r, rt.name, id, p.Written, err)
				return
			}
		}
		if err := rg.svc.CommitUpload(ctx, rt.name, id, p, want); err != nil {
			rg.writeError(w, r, err)
			return
		}
		rg.blobCreated(w, rt.name, want)
	}
}

// appendChunk writes the request body onto the upload after checking its
// Content-Range continues it. The progress returned is recorded in the
// store even when the body was cut short, so a retry resumes correctly.
func (rg *Registry) appendChunk(r *http.Request, up *store.Upload, p blobstore.Progress, alg string) (blobstore.Progress, error) {
	ctx := r.Context()
	body := io.Reader(r.Body)
	want := int64(-1)
	if cr := r.Header.Get("Content-Range"); cr != "" {
		start, end, err := parseContentRange(cr)
		if err != nil {
			return p, err
		}
		if start != p.Written {
			return p, newError(CodeRangeInvalid, "chunk starts at %d, upload is at %d", start, p.Written)
		}
		want = end - start + 1
	}
	if r.ContentLength >= 0 {
		if want >= 0 && r.ContentLength != want {
			return p, newError(CodeSizeInvalid, "Content-Range spans %d bytes, Content-Length is %d", want, r.ContentLength)
		}
		want = r.ContentLength
	}
	if want >= 0 {
		body = io.LimitReader(body, want)
	}
	body, err := rg.quotaBody(ctx, uploadOwner(r), body)
	if err != nil {
		return p, err
	}
	next, err := rg.blobs.Append(ctx, up.ID, p, alg, body)
	if noSpace(err) {
		// Nothing of this upload can be finished: its bytes go now
		// rather than hold the disk full until the session expires.
		_ = rg.blobs.Cancel(ctx, up.ID)
		_ = rg.st.DeleteUpload(ctx, up.ID)
		rg.log.ErrorContext(ctx, "registry: storage full", "upload", up.ID, "err", err)
		return p, newError(CodeStorageFull, "no space left for this upload")
	}
	if next.Written != p.Written {
		if aerr := rg.st.AdvanceUpload(ctx, up.ID, p.Written, next.Written, next.State); aerr != nil {
			if errors.Is(aerr, store.ErrConflict) {
				return p, newError(CodeRangeInvalid, "%w", aerr)
			}
			return p, aerr
		}
	}
	if err != nil {
		return next, uploadErr(err)
	}
	if want >= 0 && next.Written-p.Written != want {
		return next, newError(CodeSizeInvalid, "got %d bytes, announced %d", next.Written-p.Written, want)
	}
	return next, nil
}

// chunkError answers a failed chunk; a range error carries the upload's
// current state so the client can resume.
func (rg *Registry) chunkError(w http.ResponseWriter, r *http.Request, repo, id string, written int64, err error) {
	var e *Error
	if errors.As(err, &e) && e.Code == CodeRangeInvalid {
		setUploadHeaders(w, repo, id, written)
	}
	rg.writeError(w, r, err)
}

func uploadErr(err error) error {
	switch {
	case noSpace(err):
		return newError(CodeStorageFull, "no space left for this blob")
	case errors.Is(err, blobstore.ErrDigestMismatch):
		return newError(CodeDigestInvalid, "%w", err)
	case errors.Is(err, blobstore.ErrUploadCorrupt):
		return newError(CodeBlobUploadInvalid, "%w", err)
	}
	return err
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
}

// parseContentRange reads "start-end" (the form the spec uses) or
// "bytes start-end/total" (the HTTP form some clients send).
func parseContentRange(h string) (start, end int64, err error) {
	s := strings.TrimSpace(h)
	s = strings.TrimPrefix(s, "bytes ")
	s = strings.TrimPrefix(s, "bytes=")
	s, _, _ = strings.Cut(s, "/")
	a, b, ok := strings.Cut(s, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, newError(CodeRangeInvalid, "Content-Range %q", h)
	}
	return start, end, nil
}

func setUploadHeaders(w http.ResponseWriter, repo, id string, written int64) {
	h := w.Header()
	h.Set("Location", "/v2/"+repo+"/blobs/uploads/"+id)
	h.Set("Docker-Upload-UUID", id)
	// The spec's Range is inclusive; an empty upload reports 0-0 as
	// distribution always has.
	h.Set("Range", fmt.Sprintf("0-%d", max(written-1, 0)))
}

func (rg *Registry) uploadStatus(w http.ResponseWriter, repo, id string, written int64, status int) {
	setUploadHeaders(w, repo, id, written)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

func (rg *Registry) blobCreated(w http.ResponseWriter, repo string, d blobstore.Digest) {
	h := w.Header()
	h.Set("Location", "/v2/"+repo+"/blobs/"+d.String())
	h.Set("Docker-Content-Digest", d.String())
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

// validUploadID accepts only ids NewUploadID could have made, so a crafted
// id never reaches a storage path.
func validUploadID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
