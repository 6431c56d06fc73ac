package report

import (
	"strings"
)

// ANSI colours of the table. Only the severity word, the verdict and
// nothing from image content is coloured, so no escape sequence comes from
// the image.
const (
	colorBoldRed = "1;31"
	colorRed     = "31"
	colorYellow  = "33"
	colorCyan    = "36"
	colorGreen   = "32"
)

// severityColor picks the colour of a severity cell by its first word.
func severityColor(cell string) string {
	word, _, _ := strings.Cut(cell, " ")
	switch word {
	case "CRITICAL":
		return colorBoldRed
	case "HIGH":
		return colorRed
	case "MEDIUM":
		return colorYellow
	case "LOW":
		return colorCyan
	}
	return ""
}

func colorize(code, text string) string {
	if code == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// paint colours text when the report is for a colour terminal.
func (r *Report) paint(code, text string) string {
	if !r.Color {
		return text
	}
	return colorize(code, text)
}
