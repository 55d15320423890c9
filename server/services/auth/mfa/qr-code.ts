import QRCode from "qrcode";

/**
 * A QR code as one SVG path (a 1×1 unit per dark module, runs merged), for the browser to draw in
 * an inline <svg>: no image host and nothing that a strict Content-Security-Policy blocks.
 */
export type QrSvg = { size: number; path: string };

export function qrSvg(text: string): QrSvg {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      parts.push(`M${start} ${row}h${col - start}v1h-${col - start}z`);
    }
  }
  return { size: modules.size, path: parts.join("") };
}
