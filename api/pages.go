package api

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/drydock/drydock/store"
)

// Page sizes of the listing routes: limit defaults to defaultPage and may
// not pass maxPage, so that one request cannot ask for a whole registry.
const (
	defaultPage = 100
	maxPage     = 1000
)

func pageLimit(v string) (int, error) { return pageLimitOf(url.Values{"limit": {v}}, "limit") }

// pageLimitOf reads the page size in parameter key of q.
func pageLimitOf(q url.Values, key string) (int, error) {
	v := q.Get(key)
	if v == "" {
		return defaultPage, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		return 0, inputErrorf("%s=%q is not a number from 1 to %d", key, v, maxPage)
	}
	return n, nil
}

// Cursors are opaque to clients (base64url of where the page ended), so
// that the order's key may change without breaking their loops; they only
// pass back the next_cursor they were given.
func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeCursor(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) == 0 {
		return "", inputErrorf("cursor=%q is not a next_cursor this API gave out", v)
	}
	return string(b), nil
}

// decodeArtifactCursor reads "<push time in Unix ns>/<digest>".
func decodeArtifactCursor(v string) (store.ArtifactCursor, error) {
	s, err := decodeCursor(v)
	if err != nil || s == "" {
		return store.ArtifactCursor{}, err
	}
	at, d, ok := strings.Cut(s, "/")
	ns, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || !strings.Contains(d, ":") {
		return store.ArtifactCursor{}, inputErrorf("cursor=%q is not a next_cursor this API gave out", v)
	}
	return store.ArtifactCursor{PushedAt: time.Unix(0, ns).UTC(), Digest: d}, nil
}
