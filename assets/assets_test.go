package assets

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

func TestIconsDecodeAtTheirSize(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		size int
	}{
		{"app icon", AppIconPNG(), 512},
		{"tray ok", TrayIconPNG(TrayOK), 64},
		{"tray syncing", TrayIconPNG(TraySyncing), 64},
		{"tray warning", TrayIconPNG(TrayWarning), 64},
		{"tray error", TrayIconPNG(TrayError), 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := png.Decode(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got := img.Bounds(); got != image.Rect(0, 0, tt.size, tt.size) {
				t.Errorf("bounds = %v, want %dx%d", got, tt.size, tt.size)
			}
			// Icons have a transparent outside: the corner pixel of the app tile and tray page.
			if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
				t.Errorf("corner alpha = %d, want transparent", a)
			}
		})
	}
}

func TestTrayIconsDiffer(t *testing.T) {
	seen := map[string]Tray{}
	for _, s := range []Tray{TrayOK, TraySyncing, TrayWarning, TrayError} {
		key := string(TrayIconPNG(s))
		if prev, dup := seen[key]; dup {
			t.Errorf("%v and %v have the same icon", prev, s)
		}
		seen[key] = s
	}
}

func TestUnknownTrayStateShowsError(t *testing.T) {
	if !bytes.Equal(TrayIconPNG(Tray(99)), TrayIconPNG(TrayError)) {
		t.Error("unknown state should show the error icon")
	}
	if got := TrayIconName(Tray(99)); got != "tray-error.png" {
		t.Errorf("TrayIconName(99) = %q, want tray-error.png", got)
	}
	if got := Tray(99).String(); got != "Tray(99)" {
		t.Errorf("String = %q", got)
	}
	if got := TrayIconName(TraySyncing); got != "tray-syncing.png" {
		t.Errorf("TrayIconName(TraySyncing) = %q", got)
	}
}
