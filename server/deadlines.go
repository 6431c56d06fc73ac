package server

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// Request bodies must keep coming: a client that opens a request and then
// trickles its body holds a goroutine and a connection for as long as it
// likes unless the server cuts it. Small JSON and form bodies (/token,
// /api/v1/, /admission/) must arrive whole within smallBodyTime; blob and
// manifest bodies under /v2/ get bodyGrace plus the time minBodyRate
// allows for what they have sent so far, so a large layer over a slow
// but honest link is never cut. Once a body has been read to its end the
// deadline is lifted: a long download or a slow handler is not cut.
const (
	smallBodyTime = 10 * time.Second
	bodyGrace     = 30 * time.Second
	minBodyRate   = 64 << 10 // bytes per second
)

// bodyDeadlines sets a read deadline on each request's body by route.
func bodyDeadlines(next http.Handler, small time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		b := &deadlineBody{ReadCloser: r.Body, rc: rc, start: time.Now(), small: small}
		b.paced = strings.HasPrefix(r.URL.Path, "/v2/")
		// An error means the connection takes no deadlines (an HTTP/2
		// stream, a test recorder): the server's own timeouts stand.
		if rc.SetReadDeadline(b.deadline()) == nil {
			r.Body = b
		}
		// The deadline stays after the handler when the body was not read
		// to its end, so the server's own read of the rest is cut too; on
		// a kept-alive connection the server sets its header and idle
		// deadlines before the next request.
		next.ServeHTTP(w, r)
	})
}

// deadlineBody moves the read deadline as bytes arrive (paced) or keeps
// it fixed, and lifts it at the end of the body (then the server reads
// only to notice a client going away, which must not be cut).
type deadlineBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	small time.Duration
	paced bool
	read  int64
}

func (b *deadlineBody) deadline() time.Time {
	if !b.paced {
		return b.start.Add(b.small)
	}
	return b.start.Add(bodyGrace + time.Duration(b.read)*time.Second/minBodyRate)
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case err == io.EOF:
		_ = b.rc.SetReadDeadline(time.Time{})
	case n > 0 && b.paced:
		_ = b.rc.SetReadDeadline(b.deadline())
	}
	return n, err
}
