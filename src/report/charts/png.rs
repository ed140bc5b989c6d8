//! PNG output for charts: plotters draws into an RGB buffer at twice the
//! size, which is averaged down (smooth lines, even letter spacing) and
//! encoded in memory by the `image` crate.

use image::ImageEncoder;

use crate::error::RenderError;

/// Encode 8-bit RGB pixels as a PNG file.
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out).write_image(rgb, width, height, image::ColorType::Rgb8)?;
    Ok(out)
}

/// Average each k x k block of an RGB image `width * k` pixels wide.
pub fn downsample(rgb: &[u8], width: usize, height: usize, k: usize) -> Vec<u8> {
    let big_stride = width * k * 3;
    let area = (k * k) as u32;
    let mut out = vec![0u8; width * height * 3];
    for (y, row) in out.chunks_exact_mut(width * 3).enumerate() {
        for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
            let mut sum = [0u32; 3];
            for dy in 0..k {
                let block = &rgb[(y * k + dy) * big_stride + x * k * 3..][..k * 3];
                for p in block.chunks_exact(3) {
                    sum.iter_mut().zip(p).for_each(|(s, &v)| *s += u32::from(v));
                }
            }
            pixel.iter_mut().zip(sum).for_each(|(out, s)| *out = ((s + area / 2) / area) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_averages_blocks() {
        let big = [0, 0, 0, 255, 255, 255, 10, 20, 30, 10, 20, 30, 0, 0, 0, 255, 255, 255, 10, 20, 30, 10, 20, 30];
        assert_eq!(downsample(&big, 2, 1, 2), vec![128, 128, 128, 10, 20, 30]);
    }

    #[test]
    fn encodes_a_png_that_reads_back() {
        let rgb = [255, 0, 0, 0, 0, 255];
        let png = encode_rgb(2, 1, &rgb).unwrap();
        let back = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!((back.width(), back.height()), (2, 1));
        assert_eq!(back.into_raw(), rgb);
    }
}
