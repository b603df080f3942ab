import { describe, expect, it } from 'vitest';
import { SimData } from '../../../local/services/rds-data';

function ordersData(): SimData {
  return new SimData([
    { name: 'orders', rows: 100_000 },
    { name: 'customers', rows: 20_000 },
  ]);
}

describe('SimData', () => {
  it('gives the same checksum for the same tables and the same writes', () => {
    // Prepare
    const a = ordersData();
    const b = ordersData();

    // Act
    for (const d of [a, b]) {
      d.write('orders', 120, 0);
      d.write('customers', 7, 2);
      d.write('orders', 30, 0);
    }

    // Assert
    expect(a.checksum()).toBe(b.checksum());
    expect(a.tables.get('orders')?.checksum).toBe(b.tables.get('orders')?.checksum);
    expect(a.tables.get('orders')).toEqual({
      name: 'orders',
      rows: 100_150,
      corruptRows: 0,
      writes: 150,
      checksum: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    expect(a.totalRows()).toBe(120_157);
    expect(a.corruptRows()).toBe(2);
  });

  it('gives another checksum when the writes differ (a corrupt row, another table, another count)', () => {
    // Prepare
    const base = () => {
      const d = ordersData();
      d.write('orders', 10, 0);
      return d;
    };
    const clean = base();
    const corrupt = base();
    const otherTable = base();
    const otherCount = base();

    // Act
    clean.write('orders', 5, 0);
    corrupt.write('orders', 5, 1);
    otherTable.write('customers', 5, 0);
    otherCount.write('orders', 6, 0);

    // Assert
    const sums = [clean, corrupt, otherTable, otherCount].map((d) => d.checksum());
    expect(new Set(sums).size).toBe(4);
    expect(ordersData().checksum()).not.toBe(clean.checksum());
  });

  it('clones deeply: same checksum, and later writes to either side do not reach the other', () => {
    // Prepare
    const original = ordersData();
    original.write('orders', 3, 1);

    // Act
    const copy = original.clone();
    const before = original.checksum();
    copy.write('orders', 50, 50);

    // Assert
    expect(original.checksum()).toBe(before);
    expect(original.tables.get('orders')?.rows).toBe(100_003);
    expect(original.corruptRows()).toBe(1);
    expect(copy.corruptRows()).toBe(51);
    expect(original.clone().checksum()).toBe(before);
  });

  it('refuses writes it cannot represent', () => {
    const data = ordersData();
    expect(() => data.write('nope', 1, 0)).toThrow(/no table nope/);
    expect(() => data.write('orders', 2, 3)).toThrow(/corrupt/);
    expect(() => data.write('orders', -1, 0)).toThrow();
  });
});
