package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/internal/termtable"
)

// defaultWidth is the width a table fits when the output is not a
// terminal and $COLUMNS says nothing.
const defaultWidth = 80

// isTerminal reports whether w is a terminal; tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// termWidth is the width a table written to w must fit: the terminal's,
// else $COLUMNS, else 80.
func termWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && isTerminal(w) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return defaultWidth
}

// useColor reports whether output to w may carry colour: a terminal, and
// no NO_COLOR set to anything (https://no-color.org).
func useColor(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && isTerminal(w)
}

// Progress display timing: nothing for reads that end within
// progressDelay, then a line redrawn every progressEvery. Tests shorten
// them.
var (
	progressDelay = time.Second
	progressEvery = 200 * time.Millisecond
)

// startProgress shows, on stderr when it is a terminal and quiet is not
// set, how much of ref's layers has been read. It returns the image option
// that counts, or nil when nothing is shown, and stop, which ends the
// display (leaving the last state on its line) and must always be called.
func startProgress(stderr io.Writer, quiet bool, ref string) (image.Option, func()) {
	if quiet || !isTerminal(stderr) {
		return nil, func() {}
	}
	p := &image.Progress{}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-done:
			return
		case <-time.After(progressDelay):
		}
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			fmt.Fprintf(stderr, "\r\x1b[K%s", progressLine(ref, p))
			select {
			case <-done:
				fmt.Fprintf(stderr, "\r\x1b[K%s\n", progressLine(ref, p))
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return image.WithProgress(p), func() {
		once.Do(func() { close(done); <-finished })
	}
}

// progressLine is "REF: 12.3 MB of 45.6 MB, 1 of 3 layers".
func progressLine(ref string, p *image.Progress) string {
	bytes, total, layers, totalLayers := p.Snapshot()
	line := fmt.Sprintf("%s: %s", termtable.Cut(ref, 40), humanBytes(bytes))
	if total > 0 {
		line += " of " + humanBytes(total)
	}
	return line + fmt.Sprintf(", %d of %d layers", layers, totalLayers)
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
