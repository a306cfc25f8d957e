// Command genicons draws the product icons in assets/: the app icon (a calendar page with a phone
// handset on a blue tile) and one tray icon per sync state (the same calendar with a state badge).
// The icons are plain geometry so they can be redrawn at any size; run `go generate ./assets`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// shape reports whether a point of the unit square [0,1]x[0,1] (y down) is inside it.
type shape func(x, y float64) bool

// layer is one filled shape; layers are painted in order, later ones on top.
type layer struct {
	in  shape
	rgb uint32 // opaque colour, 0xRRGGBB
}

// The palette, as 0xRRGGBB.
const (
	tileBlue  = 0x2b7de9
	paper     = 0xffffff
	header    = 0xe5483c
	ring      = 0x374151
	gridCell  = 0xd5dce6
	white     = 0xffffff
	okGreen   = 0x22a04b
	syncBlue  = 0x1e6fd9
	warnAmber = 0xf2a900
	errorRed  = 0xd92d20
	darkInk   = 0x2b2b2b
)

func main() {
	out := flag.String("out", ".", "directory to write the PNG files into")
	flag.Parse()

	files := map[string][]byte{
		"icon.png":         render(512, appIcon()),
		"tray-ok.png":      render(64, trayIcon(okBadge())),
		"tray-syncing.png": render(64, trayIcon(syncingBadge())),
		"tray-warning.png": render(64, trayIcon(warningBadge())),
		"tray-error.png":   render(64, trayIcon(errorBadge())),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			log.Fatalf("write %s: %v", name, err)
		}
	}
}

// appIcon is the large product icon: a blue rounded tile, a calendar page, and a green badge
// with a telephone handset (the presence the calendar drives).
func appIcon() []layer {
	ls := []layer{{roundRect(0.03, 0.03, 0.97, 0.97, 0.2), tileBlue}}
	ls = append(ls, calendar(0.14, 0.17, 0.76, 0.8)...)
	return append(ls,
		layer{circle(0.71, 0.71, 0.22), white},
		layer{circle(0.71, 0.71, 0.185), okGreen},
		layer{handset(0.71, 0.71, 0.2), white},
	)
}

// trayIcon is the calendar page with a state badge at the bottom right. At tray size (16-32 px on
// screen) the badge colour carries the state.
func trayIcon(badge []layer) []layer {
	ls := calendar(0.04, 0.08, 0.8, 0.86)
	// A white ring separates the badge from the page.
	ls = append(ls, layer{circle(0.72, 0.72, 0.27), white})
	return append(ls, badge...)
}

// calendar draws a page with a red header, two binder rings and a grid of day cells.
func calendar(x0, y0, x1, y1 float64) []layer {
	w, h := x1-x0, y1-y0
	r := 0.08 * w
	headerBottom := y0 + 0.24*h
	ls := []layer{
		{roundRect(x0, y0, x1, y1, r), paper},
		{intersect(roundRect(x0, y0, x1, y1, r), halfPlaneAbove(headerBottom)), header},
		{roundRect(x0+0.25*w, y0-0.06*h, x0+0.33*w, y0+0.1*h, 0.03*w), ring},
		{roundRect(x0+0.67*w, y0-0.06*h, x0+0.75*w, y0+0.1*h, 0.03*w), ring},
	}
	// Four columns by three rows of day cells under the header, kept light so the handset reads.
	cw, ch := 0.16*w, 0.16*h
	for row := 0; row < 3; row++ {
		for col := 0; col < 4; col++ {
			cx := x0 + 0.1*w + float64(col)*0.215*w
			cy := headerBottom + 0.08*h + float64(row)*0.22*h
			ls = append(ls, layer{roundRect(cx, cy, cx+cw, cy+ch, 0.02*w), gridCell})
		}
	}
	return ls
}

// handset is a telephone receiver centred on (cx, cy), size wide, tilted like the usual glyph:
// a curved handle with a speaker cup at each end.
func handset(cx, cy, size float64) shape {
	const tilt = -3 * math.Pi / 4 // the handle bulges to the bottom left, as in most phone glyphs
	s, c := math.Sin(tilt), math.Cos(tilt)
	handle := arc(0, 0.6, 0.58, 0.17, 205, 335)
	ear := capsule(-0.55, 0.32, -0.47, 0.52, 0.17)
	mouth := capsule(0.55, 0.32, 0.47, 0.52, 0.17)
	return func(x, y float64) bool {
		// To the handset's own frame: unit size, centred, untilted.
		u, v := (x-cx)/size, (y-cy)/size
		u, v = u*c+v*s, -u*s+v*c
		v += 0.32
		return handle(u, v) || ear(u, v) || mouth(u, v)
	}
}

func okBadge() []layer {
	return []layer{
		{circle(0.72, 0.72, 0.22), okGreen},
		{handset(0.72, 0.72, 0.24), white},
	}
}

func syncingBadge() []layer {
	return []layer{
		{circle(0.72, 0.72, 0.22), syncBlue},
		// Two arcs with arrow heads: the usual "refresh" sign.
		{union(
			arc(0.74, 0.74, 0.11, 0.05, 200, 340),
			arc(0.74, 0.74, 0.11, 0.05, 20, 160),
			triangle(0.85, 0.64, 0.89, 0.76, 0.79, 0.73),
			triangle(0.63, 0.84, 0.59, 0.72, 0.69, 0.75),
		), white},
	}
}

func warningBadge() []layer {
	return []layer{
		{roundedTriangle(0.74, 0.53, 0.96, 0.93, 0.52, 0.93), warnAmber},
		{union(capsule(0.74, 0.67, 0.74, 0.8, 0.03), circle(0.74, 0.87, 0.033)), darkInk},
	}
}

func errorBadge() []layer {
	return []layer{
		{circle(0.72, 0.72, 0.22), errorRed},
		{union(capsule(0.67, 0.67, 0.81, 0.81, 0.035), capsule(0.81, 0.67, 0.67, 0.81, 0.035)), white},
	}
}

// render paints the layers at size x size pixels with 4x4 supersampling and encodes a PNG.
func render(size int, layers []layer) []byte {
	const ss = 4
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64 // premultiplied, 0..1
			for _, l := range layers {
				hits := 0
				for sy := 0; sy < ss; sy++ {
					for sx := 0; sx < ss; sx++ {
						x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
						y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
						if l.in(x, y) {
							hits++
						}
					}
				}
				if hits == 0 {
					continue
				}
				cov := float64(hits) / (ss * ss)
				r = float64(l.rgb>>16&0xff)/255*cov + r*(1-cov)
				g = float64(l.rgb>>8&0xff)/255*cov + g*(1-cov)
				b = float64(l.rgb&0xff)/255*cov + b*(1-cov)
				a = cov + a*(1-cov)
			}
			if a > 0 {
				img.SetNRGBA(px, py, color.NRGBA{to8(r / a), to8(g / a), to8(b / a), to8(a)})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(fmt.Sprintf("encode png: %v", err)) // an in-memory image always encodes
	}
	return buf.Bytes()
}

func to8(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255)) }

func roundRect(x0, y0, x1, y1, r float64) shape {
	return func(x, y float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		dx := math.Max(math.Max(x0+r-x, x-(x1-r)), 0)
		dy := math.Max(math.Max(y0+r-y, y-(y1-r)), 0)
		return dx*dx+dy*dy <= r*r
	}
}

func circle(cx, cy, r float64) shape {
	return func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
}

// capsule is a segment from (ax, ay) to (bx, by) with round ends, r thick on each side.
func capsule(ax, ay, bx, by, r float64) shape {
	return func(x, y float64) bool {
		vx, vy := bx-ax, by-ay
		t := ((x-ax)*vx + (y-ay)*vy) / (vx*vx + vy*vy)
		t = math.Max(0, math.Min(1, t))
		dx, dy := x-(ax+t*vx), y-(ay+t*vy)
		return dx*dx+dy*dy <= r*r
	}
}

// arc is a band of the given thickness along a circle, between two angles in degrees
// (0 = +x, 90 = +y, i.e. clockwise on screen since y points down).
func arc(cx, cy, radius, thickness, from, to float64) shape {
	return func(x, y float64) bool {
		d := math.Hypot(x-cx, y-cy)
		if math.Abs(d-radius) > thickness/2 {
			return false
		}
		a := math.Atan2(y-cy, x-cx) * 180 / math.Pi
		if a < 0 {
			a += 360
		}
		return a >= from && a <= to
	}
}

func triangle(ax, ay, bx, by, cx, cy float64) shape {
	return func(x, y float64) bool {
		d1 := (x-bx)*(ay-by) - (ax-bx)*(y-by)
		d2 := (x-cx)*(by-cy) - (bx-cx)*(y-cy)
		d3 := (x-ax)*(cy-ay) - (cx-ax)*(y-ay)
		neg := d1 < 0 || d2 < 0 || d3 < 0
		pos := d1 > 0 || d2 > 0 || d3 > 0
		return !(neg && pos)
	}
}

// roundedTriangle is a triangle whose corners are softened by capsules along its edges.
func roundedTriangle(ax, ay, bx, by, cx, cy float64) shape {
	const r = 0.025
	inset := func(px, py float64) (float64, float64) {
		// Pull each corner toward the centroid so the rounded outline keeps the same size.
		gx, gy := (ax+bx+cx)/3, (ay+by+cy)/3
		return px + (gx-px)*0.1, py + (gy-py)*0.1
	}
	iax, iay := inset(ax, ay)
	ibx, iby := inset(bx, by)
	icx, icy := inset(cx, cy)
	return union(
		triangle(iax, iay, ibx, iby, icx, icy),
		capsule(iax, iay, ibx, iby, r), capsule(ibx, iby, icx, icy, r), capsule(icx, icy, iax, iay, r),
	)
}

func halfPlaneAbove(yMax float64) shape { return func(_, y float64) bool { return y <= yMax } }
func halfPlaneBelow(yMin float64) shape { return func(_, y float64) bool { return y >= yMin } }

func union(ss ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range ss {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

func intersect(a, b shape) shape { return func(x, y float64) bool { return a(x, y) && b(x, y) } }
