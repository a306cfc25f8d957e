// Command mkico writes a Windows .ico from a square PNG (assets/icon.png), so the build needs no
// image tools: the 256 px image stored as PNG (Windows Vista and later read that) and 16..128 px
// as 32-bit BMP images, scaled down by area averaging. `make cross` runs it before windres.
//
// Usage: go run ./packaging/windows/mkico -in assets/icon.png -out bin/package/calsync.ico
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

// sizes are the icon sizes Explorer, the taskbar and the Start menu ask for at 100-200 % scaling.
var sizes = []int{16, 20, 24, 32, 40, 48, 64, 128, 256}

func main() {
	in := flag.String("in", "", "the source `PNG`, square, at least 256 px")
	out := flag.String("out", "", "the `.ico` to write")
	flag.Parse()
	if *in == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: mkico -in icon.png -out icon.ico")
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintf(os.Stderr, "mkico: %v\n", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("decode %s: %w", in, err)
	}
	b := src.Bounds()
	if b.Dx() != b.Dy() || b.Dx() < 256 {
		return fmt.Errorf("%s is %dx%d: want a square image of at least 256x256", in, b.Dx(), b.Dy())
	}
	var images [][]byte
	for _, s := range sizes {
		img := scale(src, s)
		var data []byte
		if s >= 256 {
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				return fmt.Errorf("encode %d px: %w", s, err)
			}
			data = buf.Bytes()
		} else {
			data = dib(img)
		}
		images = append(images, data)
	}
	return os.WriteFile(out, ico(images), 0o644)
}

// scale shrinks src to size x size, averaging the source area each target pixel covers, in
// premultiplied alpha so transparent pixels do not darken the edges.
func scale(src image.Image, size int) *image.NRGBA {
	b := src.Bounds()
	ratio := float64(b.Dx()) / float64(size)
	dst := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		y0, y1 := float64(y)*ratio, float64(y+1)*ratio
		for x := 0; x < size; x++ {
			x0, x1 := float64(x)*ratio, float64(x+1)*ratio
			var r, g, bl, a, area float64
			for sy := int(y0); float64(sy) < y1; sy++ {
				wy := min(y1, float64(sy+1)) - max(y0, float64(sy))
				for sx := int(x0); float64(sx) < x1; sx++ {
					w := wy * (min(x1, float64(sx+1)) - max(x0, float64(sx)))
					c := color.NRGBA64Model.Convert(src.At(b.Min.X+sx, b.Min.Y+sy)).(color.NRGBA64)
					al := float64(c.A) / 0xffff
					r += w * al * float64(c.R)
					g += w * al * float64(c.G)
					bl += w * al * float64(c.B)
					a += w * al
					area += w
				}
			}
			if a == 0 {
				continue
			}
			dst.SetNRGBA(x, y, color.NRGBA{
				R: uint8(r / a / 257), G: uint8(g / a / 257), B: uint8(bl / a / 257),
				A: uint8(a/area*255 + 0.5),
			})
		}
	}
	return dst
}

// dib is an icon image in BMP form: a BITMAPINFOHEADER with twice the height (colour plus mask),
// 32-bit BGRA rows bottom-up, then the 1-bit AND mask (all zero: the alpha channel rules).
func dib(img *image.NRGBA) []byte {
	s := img.Bounds().Dx()
	maskRow := (s + 31) / 32 * 4
	var buf bytes.Buffer
	hdr := struct {
		Size                   uint32
		Width, Height          int32
		Planes, BitCount       uint16
		Compression, SizeImage uint32
		XPels, YPels           int32
		ClrUsed, ClrImportant  uint32
	}{Size: 40, Width: int32(s), Height: int32(2 * s), Planes: 1, BitCount: 32,
		SizeImage: uint32(s*s*4 + maskRow*s)}
	binary.Write(&buf, binary.LittleEndian, hdr)
	for y := s - 1; y >= 0; y-- {
		for x := 0; x < s; x++ {
			c := img.NRGBAAt(x, y)
			buf.Write([]byte{c.B, c.G, c.R, c.A})
		}
	}
	buf.Write(make([]byte, maskRow*s))
	return buf.Bytes()
}

// ico packs the images (in the order of sizes) into an ICONDIR with one entry each.
func ico(images [][]byte) []byte {
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, [3]uint16{0, 1, uint16(len(images))})
	offset := 6 + 16*len(images)
	for i, data := range images {
		dim := uint8(sizes[i]) // 256 is written as 0
		binary.Write(&buf, binary.LittleEndian, struct {
			W, H, Colors, Reserved uint8
			Planes, BitCount       uint16
			Bytes, Offset          uint32
		}{dim, dim, 0, 0, 1, 32, uint32(len(data)), uint32(offset)})
		offset += len(data)
	}
	for _, data := range images {
		buf.Write(data)
	}
	return buf.Bytes()
}
