#!/usr/bin/env python3
"""Writes a Google Merchant Center TSV catalog of N rows for the import benchmark.

Every fourth product is a variant group of four sizes; titles mix English, Chinese and Korean; a few rows
are deliberately broken so the report path is exercised too. Deterministic for a given N.
"""
import sys

HEADER = ["id", "title", "description", "link", "image_link", "availability", "price", "sale_price",
          "brand", "condition", "item_group_id", "color", "size", "product_type", "google_product_category",
          "custom_label_0"]
WORDS = ["Linen Shirt", "Stoneware Mug", "普洱茶饼", "비타민 세럼", "Canvas Tote", "手工陶杯", "Wool Scarf", "수분 크림"]
SIZES = ["S", "M", "L", "XL"]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out = sys.stdout
    out.write("\t".join(HEADER) + "\n")
    row = 0
    item = 0
    while row < n:
        item += 1
        name = WORDS[item % len(WORDS)]
        grouped = item % 4 == 0
        for size in (SIZES if grouped else [""]):
            if row >= n:
                break
            row += 1
            rid = f"SKU-{item}-{size}" if grouped else f"SKU-{item}"
            cents = 500 + (item * 37) % 20000
            price = f"{cents // 100}.{cents % 100:02d} USD"
            if row % 997 == 0:
                price = "12.00"  # no currency: rejected with price_missing_currency
            sale = f"{(cents * 8 // 10) // 100}.{(cents * 8 // 10) % 100:02d} USD" if item % 5 == 0 else ""
            title = f"{name} {item}" + (f" - {size}" if grouped else "")
            fields = [rid, title, f"{name} number {item}, made with care.",
                      f"https://shop.example.com/p/{item}", f"https://shop.example.com/img/{item}.jpg",
                      "in_stock" if item % 9 else "out_of_stock", price, sale, "Bench & Co", "new",
                      f"G-{item}" if grouped else "", "Blue" if grouped else "", size,
                      "Home > Kitchen", "2169", "bench"]
            out.write("\t".join(fields) + "\n")


if __name__ == "__main__":
    main()
