package registry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
)

// Wire errors of the upload limits and of a full disk. 507 is HTTP's
// "insufficient storage"; the code is one every client knows, and the
// message says what happened.
var (
	CodeUploadLimit = ErrorCode{"TOOMANYREQUESTS", "too many unfinished uploads", http.StatusTooManyRequests}
	CodeStorageFull = ErrorCode{"BLOB_UPLOAD_INVALID", "the registry's storage is full; the partial upload was removed", http.StatusInsufficientStorage}
)

// uploadOwner is whom an upload counts against: the account, or for an
// anonymous caller its address.
func uploadOwner(r *http.Request) string {
	if p := principalOf(r.Context()); p.Name != "" {
		return p.Name
	}
	return "addr:" + clientAddr(r)
}

// quotaBody reads body until owner's open uploads would pass the byte
// limit, then fails with CodeUploadLimit.
func (rg *Registry) quotaBody(ctx context.Context, owner string, body io.Reader) (io.Reader, error) {
	held, err := rg.st.OpenUploadBytes(ctx, owner)
	if err != nil {
		return nil, err
	}
	return &quotaReader{r: body, left: rg.o.maxUpBytes - held, limit: rg.o.maxUpBytes}, nil
}

type quotaReader struct {
	r           io.Reader
	left, limit int64
}

func (q *quotaReader) Read(p []byte) (int, error) {
	if q.left <= 0 {
		var one [1]byte
		if n, err := q.r.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, newError(CodeUploadLimit, "unfinished uploads of this account may hold at most %d bytes; finish or cancel some", q.limit)
	}
	if int64(len(p)) > q.left {
		p = p[:q.left]
	}
	n, err := q.r.Read(p)
	q.left -= int64(n)
	return n, err
}

// noSpace reports whether err is the storage being full. Drivers do not
// all keep the errno, so their text is read too.
func noSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || (err != nil && strings.Contains(err.Error(), "no space left on device"))
}
