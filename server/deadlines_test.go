package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store/storetest"
)

// TestTricklingTokenRequestIsCut: a POST /token whose body stops coming
// is answered (or dropped) once the small-body deadline passes, instead
// of holding its goroutine for as long as the client likes; a body that
// arrives whole is served.
func TestTricklingTokenRequestIsCut(t *testing.T) {
	t.Parallel()
	svc, err := auth.New(t.Context(), storetest.SQLite(t), auth.WithBcryptCost(10), auth.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	const limit = 300 * time.Millisecond
	srv := httptest.NewServer(bodyDeadlines(svc.TokenHandler(), limit))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A safety net for the test only: the server must act long before.
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	body := "grant_type=password&username=alice&password=correct+horse"
	start := time.Now()
	fmt.Fprintf(conn, "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", len(body)+100, body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	took := time.Since(start)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("trickled body answered %d, want 400 or a closed connection", resp.StatusCode)
		}
	} else if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("reading the answer: %v, want an answer or a closed connection", err)
	}
	if took < limit {
		t.Errorf("cut after %s, before the %s deadline", took, limit)
	}

	// A whole body is served as before.
	resp2, err := http.Post(srv.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader("grant_type=password&username=nobody&password=x"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp2.Body)
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusUnauthorized {
		t.Errorf("whole body answered %d, want 401", resp2.StatusCode)
	}
}
