package main

import (
	"slices"
	"testing"
)

func TestElevatedArgs(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		draft string
		want  []string
	}{
		{"nothing", nil, "", nil},
		{"config kept", []string{"--config", `C:\cfg.json`}, "", []string{"--config", `C:\cfg.json`}},
		{"draft first", []string{"--config", `C:\cfg.json`}, `C:\T\d.json`, []string{"--draft", `C:\T\d.json`, "--config", `C:\cfg.json`}},
		{"old draft dropped", []string{"--draft", `C:\old.json`, "-config=x"}, `C:\new.json`, []string{"--draft", `C:\new.json`, "-config=x"}},
		{"old draft= dropped", []string{"-draft=old", "--draft=old2"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := elevatedArgs(tt.args, tt.draft); !slices.Equal(got, tt.want) {
				t.Errorf("elevatedArgs(%q, %q) = %q, want %q", tt.args, tt.draft, got, tt.want)
			}
		})
	}
}
