package registry_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/drydock/drydock/store/storetest"
)

// BenchmarkManifestGet measures GET of a manifest by tag over HTTP, in
// parallel, on SQLite: the hot path of every pull.
func BenchmarkManifestGet(b *testing.B) {
	srv := newServer(b, storetest.SQLite(b))
	do(b, srv, call{"POST", "/v2/bench/app/blobs/uploads/?digest=" + sha("{}"), nil, "{}"})
	do(b, srv, call{"PUT", "/v2/bench/app/manifests/v1", map[string]string{"Content-Type": imageMT}, manifest("{}")})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(srv.URL + "/v2/bench/app/manifests/v1")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkBlobPush measures a monolithic 1 MiB blob push (POST ?digest=):
// hashing, writing, fsync, move into place and the store record.
func BenchmarkBlobPush(b *testing.B) {
	srv := newServer(b, storetest.SQLite(b))
	body := make([]byte, 1<<20)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rand.Read(body[:16]) // a new digest each time
		sum := sha256.Sum256(body)
		url := fmt.Sprintf("%s/v2/bench/app/blobs/uploads/?digest=sha256:%s", srv.URL, hex.EncodeToString(sum[:]))
		resp, err := http.Post(url, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
