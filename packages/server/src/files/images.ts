import { open } from 'node:fs/promises';
import sharp from 'sharp';

/** Raster formats a browser shows and sharp reads: the only uploads served inline. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

/** A decompression bomb stops here: 40 megapixels is a large photo. */
const MAX_PIXELS = 40_000_000;
const PREVIEW_SIZE = 320;

/** The image format the first bytes announce (magic numbers), whatever the client claimed. */
export async function sniffImage(file: string): Promise<ImageFormat | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await handle.read(head, 0, 12, 0);
    const b = head.subarray(0, bytesRead);
    if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
    if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
      return 'png';
    if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a'))
      return 'gif';
    if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP')
      return 'webp';
    return undefined;
  } finally {
    await handle.close();
  }
}

export interface ProcessedImage {
  width: number;
  height: number;
  /** The image to keep: EXIF (location, camera) and other metadata removed, turned upright. */
  cleaned: Buffer;
  /** A small WebP preview, made here and never by the browser from the original. */
  preview: Buffer;
}

/**
 * Re-encodes the image without its metadata (sharp keeps none unless asked: withMetadata) and
 * makes its preview. Animated GIFs keep their frames. Throws when sharp cannot read the file;
 * the caller then stores it as an ordinary file, served as an attachment.
 */
export async function processImage(file: string, format: ImageFormat): Promise<ProcessedImage> {
  const options = { limitInputPixels: MAX_PIXELS, animated: format === 'gif' || format === 'webp' };
  const upright = sharp(file, options).rotate();
  const cleaned =
    format === 'jpeg'
      ? await upright.jpeg({ quality: 90 }).toBuffer({ resolveWithObject: true })
      : format === 'png'
        ? await upright.png().toBuffer({ resolveWithObject: true })
        : format === 'gif'
          ? await upright.gif().toBuffer({ resolveWithObject: true })
          : await upright.webp({ quality: 90 }).toBuffer({ resolveWithObject: true });
  const preview = await sharp(cleaned.data, { limitInputPixels: MAX_PIXELS })
    .resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75 })
    .toBuffer();
  const height = cleaned.info.pageHeight ?? cleaned.info.height;
  return { width: cleaned.info.width, height, cleaned: cleaned.data, preview };
}
