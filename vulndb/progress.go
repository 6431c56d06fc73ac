package vulndb

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress counts the bytes of one download and shows them on out: a bar
// redrawn in place on a terminal, one line when done otherwise (a CI log
// wants no carriage returns).
type progress struct {
	out          io.Writer
	tty          bool
	label        string
	total, n     int64
	lastDraw     time.Time
	now          func() time.Time
	drawInterval time.Duration
}

func newProgress(out io.Writer, label string, total int64, now func() time.Time) *progress {
	if out == nil {
		return nil
	}
	p := &progress{out: out, label: label, total: total, now: now, drawInterval: 100 * time.Millisecond}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	if p == nil {
		return len(b), nil
	}
	p.n += int64(len(b))
	if p.tty && p.now().Sub(p.lastDraw) >= p.drawInterval {
		p.lastDraw = p.now()
		p.draw()
	}
	return len(b), nil
}

func (p *progress) draw() {
	const width = 30
	if p.total <= 0 {
		fmt.Fprintf(p.out, "\r%-14s %s", p.label, mib(p.n))
		return
	}
	filled := int(int64(width) * min(p.n, p.total) / p.total)
	fmt.Fprintf(p.out, "\r%-14s [%s%s] %3d%% %s / %s", p.label,
		strings.Repeat("#", filled), strings.Repeat(" ", width-filled), 100*min(p.n, p.total)/p.total, mib(p.n), mib(p.total))
}

// done ends the bar, or prints the one line, with what happened.
func (p *progress) done(what string) {
	if p == nil {
		return
	}
	if p.tty {
		p.draw()
		fmt.Fprintf(p.out, " %s\n", what)
		return
	}
	fmt.Fprintf(p.out, "%s: %s (%s)\n", p.label, what, mib(p.n))
}

// note prints a line about a source that needed no download.
func note(out io.Writer, label, what string) {
	if out != nil {
		fmt.Fprintf(out, "%s: %s\n", label, what)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
