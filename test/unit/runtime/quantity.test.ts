// resource.Quantity facts, as tables. Inputs and expected values come from
// apimachinery's pkg/api/resource/quantity_test.go (TestQuantityParse,
// TestQuantityString, TestQuantityParseEmit, TestParseQuantity, TestQuantityCmp,
// TestQuantityCmpInt64AndDec, TestAdd, TestSub, TestQuantityRoundUp, TestNewSet,
// TestMilliNewSet, TestNewScaledSet, TestScaledValue, the invalid list, ...);
// rows marked "ours" are extra cases. Where the Go tests state only a value and
// format, the canonical string is the one Go's CanonicalizeBytes produces for it.
import { describe, expect, it } from "vitest";
import {
  QuantityParseError,
  ResourceQuantity,
  canonicalQuantity,
  compareQuantities,
  parseQuantity,
  toResourceQuantity,
  tryParseQuantity,
  type QuantityFormat,
} from "../../../runtime/src/meta/quantity.js";
import * as runtime from "../../../runtime/src/index.js";

type ParseRow = [input: string, canonical: string, format: QuantityFormat, decimal: string, value?: bigint, milliValue?: bigint];

// input, canonical string, format, exact value, then Value() and MilliValue() where they fit in an int64
const PARSE: ParseRow[] = [
  ["0", "0", "DecimalSI", "0", 0n, 0n],
  ["0n", "0", "DecimalSI", "0", 0n, 0n],
  ["0u", "0", "DecimalSI", "0", 0n, 0n],
  ["0m", "0", "DecimalSI", "0", 0n, 0n],
  ["0Ki", "0", "BinarySI", "0", 0n, 0n],
  ["0k", "0", "DecimalSI", "0", 0n, 0n],
  ["0Mi", "0", "BinarySI", "0", 0n, 0n],
  ["0M", "0", "DecimalSI", "0", 0n, 0n],
  ["0Gi", "0", "BinarySI", "0", 0n, 0n],
  ["0G", "0", "DecimalSI", "0", 0n, 0n],
  ["0Ti", "0", "BinarySI", "0", 0n, 0n],
  ["0T", "0", "DecimalSI", "0", 0n, 0n],
  ["1", "1", "DecimalSI", "1", 1n, 1000n],
  ["1Ki", "1Ki", "BinarySI", "1024", 1024n, 1024000n],
  ["8Ki", "8Ki", "BinarySI", "8192", 8192n, 8192000n],
  ["7Mi", "7Mi", "BinarySI", "7340032", 7340032n, 7340032000n],
  ["6Gi", "6Gi", "BinarySI", "6442450944", 6442450944n, 6442450944000n],
  ["5Ti", "5Ti", "BinarySI", "5497558138880", 5497558138880n, 5497558138880000n],
  ["4Pi", "4Pi", "BinarySI", "4503599627370496"],
  ["3Ei", "3Ei", "BinarySI", "3458764513820540928"],
  ["10Ti", "10Ti", "BinarySI", "10995116277760"],
  ["100Ti", "100Ti", "BinarySI", "109951162777600"],
  ["5n", "5n", "DecimalSI", "0.000000005", 1n, 1n],
  ["4u", "4u", "DecimalSI", "0.000004", 1n, 1n],
  ["3m", "3m", "DecimalSI", "0.003", 1n, 3n],
  ["9", "9", "DecimalSI", "9", 9n, 9000n],
  ["8k", "8k", "DecimalSI", "8000", 8000n, 8000000n],
  ["50k", "50k", "DecimalSI", "50000", 50000n, 50000000n],
  ["7M", "7M", "DecimalSI", "7000000", 7000000n, 7000000000n],
  ["6G", "6G", "DecimalSI", "6000000000", 6000000000n, 6000000000000n],
  ["5T", "5T", "DecimalSI", "5000000000000", 5000000000000n, 5000000000000000n],
  ["40T", "40T", "DecimalSI", "40000000000000"],
  ["300T", "300T", "DecimalSI", "300000000000000"],
  ["2P", "2P", "DecimalSI", "2000000000000000"],
  ["1E", "1E", "DecimalSI", "1000000000000000000"],
  ["1E-3", "1e-3", "DecimalExponent", "0.001", 1n, 1n],
  ["1e3", "1e3", "DecimalExponent", "1000", 1000n, 1000000n],
  ["1E6", "1e6", "DecimalExponent", "1000000", 1000000n, 1000000000n],
  ["1e9", "1e9", "DecimalExponent", "1000000000", 1000000000n, 1000000000000n],
  ["1E12", "1e12", "DecimalExponent", "1000000000000", 1000000000000n, 1000000000000000n],
  ["1e15", "1e15", "DecimalExponent", "1000000000000000"],
  ["1E18", "1e18", "DecimalExponent", "1000000000000000000"],
  ["1e14", "100e12", "DecimalExponent", "100000000000000"],
  ["1e13", "10e12", "DecimalExponent", "10000000000000"],
  ["100.035k", "100035", "DecimalSI", "100035", 100035n, 100035000n],
  ["0.001", "1m", "DecimalSI", "0.001", 1n, 1n],
  ["0.0005k", "500m", "DecimalSI", "0.5", 1n, 500n],
  ["0.005", "5m", "DecimalSI", "0.005", 1n, 5n],
  ["0.05", "50m", "DecimalSI", "0.05", 1n, 50n],
  ["0.5", "500m", "DecimalSI", "0.5", 1n, 500n], // ours
  ["0.00050k", "500m", "DecimalSI", "0.5", 1n, 500n],
  ["0.00500", "5m", "DecimalSI", "0.005", 1n, 5n],
  ["0.05000", "50m", "DecimalSI", "0.05", 1n, 50n],
  ["0.50000", "500m", "DecimalSI", "0.5", 1n, 500n],
  ["0.5e0", "500e-3", "DecimalExponent", "0.5", 1n, 500n],
  ["0.5e-1", "50e-3", "DecimalExponent", "0.05", 1n, 50n],
  ["0.5e-2", "5e-3", "DecimalExponent", "0.005", 1n, 5n],
  ["10.035M", "10035k", "DecimalSI", "10035000", 10035000n, 10035000000n],
  ["1.2e3", "1200", "DecimalExponent", "1200", 1200n, 1200000n],
  ["1.3E+6", "1300e3", "DecimalExponent", "1300000", 1300000n, 1300000000n],
  ["1.40e9", "1400e6", "DecimalExponent", "1400000000", 1400000000n, 1400000000000n],
  ["1.53E12", "1530e9", "DecimalExponent", "1530000000000", 1530000000000n, 1530000000000000n],
  ["1.6e15", "1600e12", "DecimalExponent", "1600000000000000"],
  ["1.7E18", "1700e15", "DecimalExponent", "1700000000000000000"],
  ["9.01", "9010m", "DecimalSI", "9.01", 10n, 9010n],
  ["8.1k", "8100", "DecimalSI", "8100", 8100n, 8100000n],
  ["7.123456M", "7123456", "DecimalSI", "7123456", 7123456n, 7123456000n],
  ["6.987654321G", "6987654321", "DecimalSI", "6987654321", 6987654321n, 6987654321000n],
  ["5.444T", "5444G", "DecimalSI", "5444000000000", 5444000000000n, 5444000000000000n],
  ["40.1T", "40100G", "DecimalSI", "40100000000000"],
  ["300.2T", "300200G", "DecimalSI", "300200000000000"],
  ["2.5P", "2500T", "DecimalSI", "2500000000000000"],
  ["1.01E", "1010P", "DecimalSI", "1010000000000000000"],
  ["3.001n", "4n", "DecimalSI", "0.000000004", 1n, 1n],
  ["1.1E-9", "2e-9", "DecimalExponent", "0.000000002", 1n, 1n],
  ["0.0000000001", "1n", "DecimalSI", "0.000000001", 1n, 1n],
  ["0.0000000005", "1n", "DecimalSI", "0.000000001", 1n, 1n],
  ["0.00000000050", "1n", "DecimalSI", "0.000000001", 1n, 1n],
  ["0.5e-9", "1e-9", "DecimalExponent", "0.000000001", 1n, 1n],
  ["0.9n", "1n", "DecimalSI", "0.000000001", 1n, 1n],
  ["0.00000012345", "124n", "DecimalSI", "0.000000124", 1n, 1n],
  ["0.00000012354", "124n", "DecimalSI", "0.000000124", 1n, 1n],
  ["9Ei", "9223372036854775807", "BinarySI", "9223372036854775807"],
  ["9223372036854775807Ki", "9223372036854775807", "BinarySI", "9223372036854775807"],
  ["12E", "12E", "DecimalSI", "12000000000000000000"],
  ["100.035Ki", "102435840m", "BinarySI", "102435.84", 102436n, 102435840n],
  ["0.5Mi", "512Ki", "BinarySI", "524288", 524288n, 524288000n],
  ["0.05Gi", "53687091200m", "BinarySI", "53687091.2", 53687092n, 53687091200n],
  ["0.025Ti", "27487790694400m", "BinarySI", "27487790694.4", 27487790695n, 27487790694400n],
  ["0.000000000001Ki", "2n", "DecimalSI", "0.000000002", 1n, 1n],
  [".001", "1m", "DecimalSI", "0.001", 1n, 1n],
  [".0001k", "100m", "DecimalSI", "0.1", 1n, 100n],
  ["1.", "1", "DecimalSI", "1", 1n, 1000n],
  ["1.G", "1G", "DecimalSI", "1000000000", 1000000000n, 1000000000000n],
  ["-999999999999999999", "-999999999999999999", "DecimalSI", "-999999999999999999"],
  ["999999999999999999", "999999999999999999", "DecimalSI", "999999999999999999"],
  ["-999999999999999999.0", "-999999999999999999", "DecimalSI", "-999999999999999999"],
  ["999999999999999999.0", "999999999999999999", "DecimalSI", "999999999999999999"],
  ["-999999999999999999.1", "-999999999999999999100m", "DecimalSI", "-999999999999999999.1"],
  ["999999999999999999.1", "999999999999999999100m", "DecimalSI", "999999999999999999.1"],
  ["-9999999999999999999", "-9999999999999999999", "DecimalSI", "-9999999999999999999"],
  ["9999999999999999999", "9999999999999999999", "DecimalSI", "9999999999999999999"],
  ["-1E", "-1E", "DecimalSI", "-1000000000000000000"],
  ["-1000000000000000000", "-1E", "DecimalSI", "-1000000000000000000"],
  ["1000000000000000000", "1E", "DecimalSI", "1000000000000000000"],
  ["-9999999999999999999.0", "-9999999999999999999", "DecimalSI", "-9999999999999999999"],
  ["9999999999999999999.0", "9999999999999999999", "DecimalSI", "9999999999999999999"],
  ["-1.0E", "-1E", "DecimalSI", "-1000000000000000000"],
  ["1.0E", "1E", "DecimalSI", "1000000000000000000"],
  ["-1000000000000000000.0", "-1E", "DecimalSI", "-1000000000000000000"],
  ["1000000000000000000.0", "1E", "DecimalSI", "1000000000000000000"],
  ["-9999999999999999999000m", "-9999999999999999999", "DecimalSI", "-9999999999999999999"],
  ["9999999999999999999000m", "9999999999999999999", "DecimalSI", "9999999999999999999"],
  ["-9999999999999999999.1", "-9999999999999999999100m", "DecimalSI", "-9999999999999999999.1"],
  ["9999999999999999999.1", "9999999999999999999100m", "DecimalSI", "9999999999999999999.1"],
  ["-1.0000000000000000001E", "-1000000000000000000100m", "DecimalSI", "-1000000000000000000.1"],
  ["1.0000000000000000001E", "1000000000000000000100m", "DecimalSI", "1000000000000000000.1"],
  ["-1000000000000000000.1", "-1000000000000000000100m", "DecimalSI", "-1000000000000000000.1"],
  ["1000000000000000000.1", "1000000000000000000100m", "DecimalSI", "1000000000000000000.1"],
  ["-1.000000000000000001E", "-1000000000000000001", "DecimalSI", "-1000000000000000001"],
  ["1.000000000000000001E", "1000000000000000001", "DecimalSI", "1000000000000000001"],
  ["-1000000000000000001", "-1000000000000000001", "DecimalSI", "-1000000000000000001"],
  ["1000000000000000001", "1000000000000000001", "DecimalSI", "1000000000000000001"],
  ["-10E", "-10E", "DecimalSI", "-10000000000000000000"],
  ["10E", "10E", "DecimalSI", "10000000000000000000"],
  ["-10000000000000000000", "-10E", "DecimalSI", "-10000000000000000000"],
  ["10000000000000000000", "10E", "DecimalSI", "10000000000000000000"],
  ["-10.0E", "-10E", "DecimalSI", "-10000000000000000000"],
  ["10.0E", "10E", "DecimalSI", "10000000000000000000"],
  ["-10000000000000000000.0", "-10E", "DecimalSI", "-10000000000000000000"],
  ["10000000000000000000.0", "10E", "DecimalSI", "10000000000000000000"],
  ["-10000000000000000000000m", "-10E", "DecimalSI", "-10000000000000000000"],
  ["10000000000000000000000m", "10E", "DecimalSI", "10000000000000000000"],
  ["-10.0000000000000000001E", "-10000000000000000000100m", "DecimalSI", "-10000000000000000000.1"],
  ["10.0000000000000000001E", "10000000000000000000100m", "DecimalSI", "10000000000000000000.1"],
  ["-10000000000000000000.1", "-10000000000000000000100m", "DecimalSI", "-10000000000000000000.1"],
  ["10000000000000000000.1", "10000000000000000000100m", "DecimalSI", "10000000000000000000.1"],
  ["-10.000000000000000001E", "-10000000000000000001", "DecimalSI", "-10000000000000000001"],
  ["10.000000000000000001E", "10000000000000000001", "DecimalSI", "10000000000000000001"],
  ["-10000000000000000001", "-10000000000000000001", "DecimalSI", "-10000000000000000001"],
  ["10000000000000000001", "10000000000000000001", "DecimalSI", "10000000000000000001"],
  ["-9223372036854775809", "-9223372036854775809", "DecimalSI", "-9223372036854775809"],
  ["9223372036854775806", "9223372036854775806", "DecimalSI", "9223372036854775806"],
  ["-9223372036854775809.0", "-9223372036854775809", "DecimalSI", "-9223372036854775809"],
  ["9223372036854775806.0", "9223372036854775806", "DecimalSI", "9223372036854775806"],
  ["-9223372036854775809000m", "-9223372036854775809", "DecimalSI", "-9223372036854775809"],
  ["9223372036854775806000m", "9223372036854775806", "DecimalSI", "9223372036854775806"],
  ["-9223372036854775809.1", "-9223372036854775809100m", "DecimalSI", "-9223372036854775809.1"],
  ["9223372036854775806.1", "9223372036854775806100m", "DecimalSI", "9223372036854775806.1"],
  ["-9223372036854775808", "-9223372036854775808", "DecimalSI", "-9223372036854775808"],
  ["9223372036854775807", "9223372036854775807", "DecimalSI", "9223372036854775807"],
  ["-9223372036854775808.0", "-9223372036854775808", "DecimalSI", "-9223372036854775808"],
  ["9223372036854775807.0", "9223372036854775807", "DecimalSI", "9223372036854775807"],
  ["-9223372036854775808000m", "-9223372036854775808", "DecimalSI", "-9223372036854775808"],
  ["9223372036854775807000m", "9223372036854775807", "DecimalSI", "9223372036854775807"],
  ["-9223372036854775808.1", "-9223372036854775808100m", "DecimalSI", "-9223372036854775808.1"],
  ["9223372036854775807.1", "9223372036854775807100m", "DecimalSI", "9223372036854775807.1"],
  ["-9223372036854775807", "-9223372036854775807", "DecimalSI", "-9223372036854775807"],
  ["9223372036854775808", "9223372036854775808", "DecimalSI", "9223372036854775808"],
  ["-9223372036854775807.0", "-9223372036854775807", "DecimalSI", "-9223372036854775807"],
  ["9223372036854775808.0", "9223372036854775808", "DecimalSI", "9223372036854775808"],
  ["-9223372036854775807000m", "-9223372036854775807", "DecimalSI", "-9223372036854775807"],
  ["9223372036854775808000m", "9223372036854775808", "DecimalSI", "9223372036854775808"],
  ["-9223372036854775807.1", "-9223372036854775807100m", "DecimalSI", "-9223372036854775807.1"],
  ["9223372036854775808.1", "9223372036854775808100m", "DecimalSI", "9223372036854775808.1"],
  ["1Mi", "1Mi", "BinarySI", "1048576", 1048576n, 1048576000n],
  ["1Gi", "1Gi", "BinarySI", "1073741824", 1073741824n, 1073741824000n],
  ["1024Mi", "1Gi", "BinarySI", "1073741824", 1073741824n, 1073741824000n],
  ["1000M", "1G", "DecimalSI", "1000000000", 1000000000n, 1000000000000n],
  [".001Ki", "1024m", "BinarySI", "1.024", 2n, 1024n],
  [".000001Ki", "1024u", "DecimalSI", "0.001024", 1n, 2n],
  [".000000001Ki", "1024n", "DecimalSI", "0.000001024", 1n, 1n],
  [".000000000001Ki", "2n", "DecimalSI", "0.000000002", 1n, 1n],
  ["300Mi", "300Mi", "BinarySI", "314572800", 314572800n, 314572800000n],
  ["307200Ki", "300Mi", "BinarySI", "314572800", 314572800n, 314572800000n],
  ["6Ki", "6Ki", "BinarySI", "6144", 6144n, 6144000n],
  ["1001Gi", "1001Gi", "BinarySI", "1074815565824", 1074815565824n, 1074815565824000n],
  ["1025024Mi", "1001Gi", "BinarySI", "1074815565824", 1074815565824n, 1074815565824000n],
  ["1Ti", "1Ti", "BinarySI", "1099511627776", 1099511627776n, 1099511627776000n],
  ["1024Gi", "1Ti", "BinarySI", "1099511627776", 1099511627776n, 1099511627776000n],
  ["5", "5", "DecimalSI", "5", 5n, 5000n],
  ["5000m", "5", "DecimalSI", "5", 5n, 5000n],
  ["500m", "500m", "DecimalSI", "0.5", 1n, 500n],
  ["1G", "1G", "DecimalSI", "1000000000", 1000000000n, 1000000000000n],
  ["0.001T", "1G", "DecimalSI", "1000000000", 1000000000n, 1000000000000n],
  ["1m", "1m", "DecimalSI", "0.001", 1n, 1n],
  ["1000u", "1m", "DecimalSI", "0.001", 1n, 1n],
  ["80m", "80m", "DecimalSI", "0.08", 1n, 80n],
  ["1080m", "1080m", "DecimalSI", "1.08", 2n, 1080n],
  ["1.08", "1080m", "DecimalSI", "1.08", 2n, 1080n],
  ["1080000000n", "1080m", "DecimalSI", "1.08", 2n, 1080n],
  ["300M", "300M", "DecimalSI", "300000000", 300000000n, 300000000000n],
  ["1T", "1T", "DecimalSI", "1000000000000", 1000000000000n, 1000000000000000n],
  ["1234567M", "1234567M", "DecimalSI", "1234567000000", 1234567000000n, 1234567000000000n],
  ["1234567m", "1234567m", "DecimalSI", "1234.567", 1235n, 1234567n],
  ["3k", "3k", "DecimalSI", "3000", 3000n, 3000000n],
  ["1025", "1025", "DecimalSI", "1025", 1025n, 1025000n],
  [".001e12", "1e9", "DecimalExponent", "1000000000", 1000000000n, 1000000000000n],
  ["1e-3", "1e-3", "DecimalExponent", "0.001", 1n, 1n],
  ["0.001e0", "1e-3", "DecimalExponent", "0.001", 1n, 1n],
  ["1e-9", "1e-9", "DecimalExponent", "0.000000001", 1n, 1n],
  ["1000e-12", "1e-9", "DecimalExponent", "0.000000001", 1n, 1n],
  ["80e-3", "80e-3", "DecimalExponent", "0.08", 1n, 80n],
  ["300e6", "300e6", "DecimalExponent", "300000000", 300000000n, 300000000000n],
  ["1e12", "1e12", "DecimalExponent", "1000000000000", 1000000000000n, 1000000000000000n],
  ["3e3", "3e3", "DecimalExponent", "3000", 3000n, 3000000n],
  ["00", "0", "DecimalSI", "0", 0n, 0n],
  ["1n", "1n", "DecimalSI", "0.000000001", 1n, 1n],
  ["80n", "80n", "DecimalSI", "0.00000008", 1n, 1n],
  ["1080n", "1080n", "DecimalSI", "0.00000108", 1n, 1n],
  ["1u", "1u", "DecimalSI", "0.000001", 1n, 1n],
  ["80u", "80u", "DecimalSI", "0.00008", 1n, 1n],
  ["1080u", "1080u", "DecimalSI", "0.00108", 1n, 2n],
  ["1.5Gi", "1536Mi", "BinarySI", "1610612736", 1610612736n, 1610612736000n], // ours
  ["100m", "100m", "DecimalSI", "0.1", 1n, 100n], // ours
  ["0.1", "100m", "DecimalSI", "0.1", 1n, 100n], // ours
  ["1.1Ki", "1126400m", "BinarySI", "1126.4", 1127n, 1126400n], // ours
  ["1E3", "1e3", "DecimalExponent", "1000", 1000n, 1000000n], // ours
  ["+1Ki", "1Ki", "BinarySI", "1024", 1024n, 1024000n], // ours
  ["1e-20", "1e-9", "DecimalExponent", "0.000000001", 1n, 1n], // ours
  ["1025Ki", "1025Ki", "BinarySI", "1049600", 1049600n, 1049600000n], // ours
  ["1023Ki", "1023Ki", "BinarySI", "1047552", 1047552n, 1047552000n], // ours
  ["2048Mi", "2Gi", "BinarySI", "2147483648", 2147483648n, 2147483648000n], // ours
  ["1.5", "1500m", "DecimalSI", "1.5", 2n, 1500n], // ours
  ["1536Mi", "1536Mi", "BinarySI", "1610612736", 1610612736n, 1610612736000n], // ours
  ["-1.5Gi", "-1536Mi", "BinarySI", "-1610612736"], // ours
  ["1e+3", "1e3", "DecimalExponent", "1000", 1000n, 1000000n], // ours
  ["1E+3", "1e3", "DecimalExponent", "1000", 1000n, 1000000n], // ours
  ["-0", "0", "DecimalSI", "0", 0n, 0n], // ours
  ["+0.0", "0", "DecimalSI", "0", 0n, 0n], // ours
  ["00.5", "500m", "DecimalSI", "0.5", 1n, 500n], // ours
  ["000123", "123", "DecimalSI", "123", 123n, 123000n], // ours
  ["1.23456789e-3", "1234568e-9", "DecimalExponent", "0.001234568", 1n, 2n], // ours
  ["123456789n", "123456789n", "DecimalSI", "0.123456789", 1n, 124n], // ours
  ["0.1n", "1n", "DecimalSI", "0.000000001", 1n, 1n], // ours
  ["-0.1n", "-1n", "DecimalSI", "-0.000000001"], // ours
  ["1e100", "10e99", "DecimalExponent", "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"], // ours
  ["1.e3", "1e3", "DecimalExponent", "1000", 1000n, 1000000n], // ours
  [".5e1", "5", "DecimalExponent", "5", 5n, 5000n], // ours
  ["12e-1", "1200e-3", "DecimalExponent", "1.2", 2n, 1200n], // ours
  ["1000000m", "1k", "DecimalSI", "1000", 1000n, 1000000n], // ours
  ["1000Ki", "1000Ki", "BinarySI", "1024000", 1024000n, 1024000000n], // ours
  ["1024Ei", "9223372036854775807", "BinarySI", "9223372036854775807"], // ours
  ["8Ei", "9223372036854775807", "BinarySI", "9223372036854775807"], // ours
  ["7.99Ei", "9211842821808707338240m", "BinarySI", "9211842821808707338.24"], // ours
  ["8191.9999999999999999999Pi", "9223372036854775807", "BinarySI", "9223372036854775807"], // ours: a fraction above 2^63-1 is capped too
  ["8191.9999999999Pi", "9223372036854663218009315738n", "BinarySI", "9223372036854663218.009315738"], // ours: just below the cap
  ["0.5Ki", "512", "BinarySI", "512", 512n, 512000n], // ours
  ["1.5Ki", "1536", "BinarySI", "1536", 1536n, 1536000n], // ours
  ["1E-9", "1e-9", "DecimalExponent", "0.000000001", 1n, 1n], // ours
  ["1e-10", "1e-9", "DecimalExponent", "0.000000001", 1n, 1n], // ours
];

describe("parseQuantity", () => {
  it.each(PARSE)("%s -> %s (%s, %s)", (input, canonical, format, decimal, value, milli) => {
    const q = parseQuantity(input);
    expect(q.toString()).toBe(canonical);
    expect(q.format).toBe(format);
    expect(q.toDecimalString()).toBe(decimal);
    if (value !== undefined) expect(q.value()).toBe(value);
    if (milli !== undefined) expect(q.milliValue()).toBe(milli);
    // the canonical string reads back as itself, with the same value
    const again = parseQuantity(canonical);
    expect(again.toString()).toBe(canonical);
    expect(again.cmp(q)).toBe(0);
  });

  // Go's loops over its unsigned rows: "-" and "+" in front
  it.each(PARSE.filter(([input]) => !/^[+-]/.test(input)))("-%s and +%s: the sign is kept, the format too", (input, canonical, format, decimal) => {
    const neg = parseQuantity(`-${input}`);
    const zero = decimal === "0";
    expect(neg.toString()).toBe(zero ? "0" : `-${canonical}`);
    expect(neg.format).toBe(format);
    expect(neg.toDecimalString()).toBe(zero ? "0" : `-${decimal}`);
    expect(neg.sign()).toBe(zero ? 0 : -1);
    const pos = parseQuantity(`+${input}`);
    expect(pos.toString()).toBe(canonical);
    expect(pos.format).toBe(format);
    expect(pos.sign()).toBe(zero ? 0 : 1);
  });

  it.each<[number, string, QuantityFormat]>([
    // ours: a JavaScript number is read from its decimal text, as the server reads a JSON number
    [0, "0", "DecimalSI"],
    [-0, "0", "DecimalSI"],
    [2, "2", "DecimalSI"],
    [-2, "-2", "DecimalSI"],
    [1000, "1k", "DecimalSI"],
    [1.5, "1500m", "DecimalSI"],
    [0.1, "100m", "DecimalSI"],
    [1e-7, "100e-9", "DecimalExponent"],
    [1e21, "1e21", "DecimalExponent"],
  ])("the number %d -> %s", (input, canonical, format) => {
    const q = parseQuantity(input);
    expect(q.toString()).toBe(canonical);
    expect(q.format).toBe(format);
  });

  // Go's invalid list, then ours
  it.each([
    "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 ",
    "", "1e", "1E+", "1K", "1KI", "1ki", "1e1.5", "1e3m", "1Ki3", "--1", "+-1", "1 Ki", "1\n", "0x10", "1_000", "1,5", "１",
    "Infinity", "NaN", "1e2147483648", "1e-2147483648",
  ])("rejects %j", (input) => {
    expect(() => parseQuantity(input)).toThrow(QuantityParseError);
    expect(tryParseQuantity(input)).toBeUndefined();
  });

  // Go's scanner lets these through as zero; the documented grammar and the OpenAPI pattern need a digit
  it.each([".", "-", "+", "-.", "m", "Ki", "e3"])("rejects %j, which has no digit", (input) => {
    expect(() => parseQuantity(input)).toThrow(/no digits/);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])("rejects the number %d", (input) => {
    expect(() => parseQuantity(input)).toThrow(QuantityParseError);
  });

  it("names the input in the error", () => {
    const err = (() => {
      try {
        parseQuantity("12 apples");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(QuantityParseError);
    expect((err as QuantityParseError).input).toBe("12 apples");
    expect((err as Error).message).toBe('invalid quantity "12 apples": unknown suffix " apples"');
  });

  it("keeps extreme exponents cheap: rounding and capping do not build the number", () => {
    expect(parseQuantity("1e-2000000000").toString()).toBe("1e-9");
    expect(parseQuantity("-1e-2000000000").toString()).toBe("-1e-9");
    expect(parseQuantity("1e2000000000").toString()).toBe("100e1999999998");
    expect(parseQuantity("1e2000000000").cmp("1n")).toBe(1);
    expect(parseQuantity("-1e2000000000").cmp("-1n")).toBe(-1);
    expect(parseQuantity("1e2000000000").toNumber()).toBe(Number.POSITIVE_INFINITY);
    expect(() => parseQuantity("1e2000000000").add("1")).toThrow(RangeError);
  });
});

describe("ResourceQuantity.toString (TestQuantityString)", () => {
  // Go builds these from (value, exponent, format); here from the constructors
  it.each<[bigint, number, QuantityFormat, string]>([
    [1024n * 1024n * 1024n, 0, "BinarySI", "1Gi"],
    [300n * 1024n * 1024n, 0, "BinarySI", "300Mi"],
    [6n * 1024n, 0, "BinarySI", "6Ki"],
    [1001n * 1024n * 1024n * 1024n, 0, "BinarySI", "1001Gi"],
    [1024n * 1024n * 1024n * 1024n, 0, "BinarySI", "1Ti"],
    [5n, 0, "BinarySI", "5"],
    [500n, -3, "BinarySI", "500m"],
    [1n, 9, "DecimalSI", "1G"],
    [1000n, 6, "DecimalSI", "1G"],
    [1000000n, 3, "DecimalSI", "1G"],
    [1000000000n, 0, "DecimalSI", "1G"],
    [1n, -3, "DecimalSI", "1m"],
    [80n, -3, "DecimalSI", "80m"],
    [1080n, -3, "DecimalSI", "1080m"],
    [108n, -2, "DecimalSI", "1080m"],
    [300n, 6, "DecimalSI", "300M"],
    [1n, 12, "DecimalSI", "1T"],
    [1234567n, 6, "DecimalSI", "1234567M"],
    [1234567n, -3, "BinarySI", "1234567m"],
    [3n, 3, "DecimalSI", "3k"],
    [1025n, 0, "BinarySI", "1025"],
    [0n, 0, "DecimalSI", "0"],
    [0n, 0, "BinarySI", "0"],
    [1n, 9, "DecimalExponent", "1e9"],
    [1n, -3, "DecimalExponent", "1e-3"],
    [1n, -9, "DecimalExponent", "1e-9"],
    [80n, -3, "DecimalExponent", "80e-3"],
    [300n, 6, "DecimalExponent", "300e6"],
    [1n, 12, "DecimalExponent", "1e12"],
    [1n, 3, "DecimalExponent", "1e3"],
    [3n, 3, "DecimalExponent", "3e3"],
    [0n, 0, "DecimalExponent", "0"],
    [1n, -9, "DecimalSI", "1n"],
    [80n, -9, "DecimalSI", "80n"],
    [1080n, -9, "DecimalSI", "1080n"],
    [108n, -8, "DecimalSI", "1080n"],
    [1n, -6, "DecimalSI", "1u"],
    [80n, -6, "DecimalSI", "80u"],
    [1080n, -6, "DecimalSI", "1080u"],
    // ours: beyond the largest suffix, where Go prints the mantissa without one
    [1n, 21, "DecimalSI", "1000E"],
    [1n << 70n, 0, "BinarySI", "1024Ei"],
  ])("%s * 10^%d as %s -> %s, negated -%s", (value, scale, format, want) => {
    const q = ResourceQuantity.fromScaled(value, scale, format);
    expect(q.toString()).toBe(want);
    expect(q.neg().toString()).toBe(value === 0n ? "0" : `-${want}`);
    expect(q.neg().neg().cmp(q)).toBe(0);
    expect(JSON.stringify({ q })).toBe(JSON.stringify({ q: want }));
  });
});

describe("cmp (TestQuantityCmp, TestQuantityCmpInt64AndDec)", () => {
  it.each<[string, string, -1 | 0 | 1]>([
  ["0", "0", 0],
  ["100m", "50m", 1],
  ["50m", "100m", -1],
  ["10000T", "100Gi", 1],
  ["9.01", "9.01", 0],
  ["9.0", "9.01", -1],
  ["9.01", "9.00", 1],
  ["0e1", "0e-1", 0],
  ["800m", "1", -1],
  ["800m", "790m", 1],
  ["9223372036854775807", "0.1", 1],
  ["92233720368547758070", "1", 1],
  ["92233720368547758070", "10", 1],
  ["92233720368547758070", "0e1", 1],
  ["922.3372036854775807", "1e3", -1],
  ["-9223372036854775808", "0", -1],
  ["-9.223372036854775808", "-1", -1],
  ["-0.9223372036854775808", "-1", 1],
  ["10.00000000000000000", "1e1", 0],
  ["-10", "-10", 0],
  ["10.000000001", "10", 1],
  ["1Ki", "1024", 0],
  ["1Gi", "1G", 1],
  ["1.5Gi", "1536Mi", 0],
  ["-1Gi", "-1G", -1],
  ["1n", "0", 1],
  ["-1n", "0", -1],
  ["0.1n", "1n", 0],
  ["1E", "1e18", 0],
  ["999m", "1", -1],
  ["-2", "-10", 1],
  ["1.1Ki", "1126400m", 0],
  ["9Ei", "9223372036854775807", 0],
  ["1e-10", "1n", 0],
  ["0.5", "500m", 0],
  ])("cmp(%s, %s) = %d", (a, b, want) => {
    expect(parseQuantity(a).cmp(b)).toBe(want);
    expect(parseQuantity(b).cmp(a)).toBe(want === 0 ? 0 : -want);
    expect(compareQuantities(a, b)).toBe(want);
    expect(parseQuantity(a).equals(b)).toBe(want === 0);
  });

  it("sorts wire values by size, not by text", () => {
    expect(["1Gi", "500Mi", "2", "100m", "1G", "-1"].sort(compareQuantities)).toEqual(["-1", "100m", "2", "500Mi", "1G", "1Gi"]);
  });

  it("accepts numbers and parsed values on either side", () => {
    expect(parseQuantity("1k").cmp(1000)).toBe(0);
    expect(compareQuantities(0.5, parseQuantity("500m"))).toBe(0);
    expect(() => parseQuantity("1").cmp("one")).toThrow(QuantityParseError);
  });
});

describe("add and sub (TestAdd, TestSub, TestQuantity{Add,Sub}ZeroPreservesSuffix)", () => {
  it.each<[string, "+" | "-", string, string]>([
  ["10", "+", "1e1", "20"],
  ["10", "+", "1", "11"],
  ["0", "+", "50", "50"],
  ["50", "+", "0", "50"],
  ["0", "+", "0", "0"],
  ["10", "-", "1e1", "0"],
  ["10", "-", "1", "9"],
  ["0", "-", "50", "-50"],
  ["50", "-", "0", "50"],
  ["0", "-", "0", "0"],
  ["0", "+", "100m", "100m"],
  ["100m", "+", "0", "100m"],
  ["0", "+", "1Gi", "1Gi"],
  ["1Gi", "+", "0", "1Gi"],
  ["100m", "-", "0", "100m"],
  ["1Gi", "-", "0", "1Gi"],
  ["0", "-", "100m", "-100m"],
  ["0", "-", "1Gi", "-1Gi"],
  ["1Gi", "+", "512Mi", "1536Mi"],
  ["100m", "+", "1.5", "1600m"],
  ["1Gi", "-", "1Gi", "0"],
  ["1", "+", "1Ki", "1025"],
  ["1Ki", "+", "1", "1025"],
  ["1e3", "+", "1", "1001"],
  ["1Ki", "+", "0.5", "1024500m"],
  ["1E", "+", "1000E", "1001E"],
  ["8Ei", "+", "8Ei", "18446744073709551614"],
  ["1Ki", "-", "1", "1023"],
  ["1", "-", "2", "-1"],
  ["1e3", "+", "1k", "2e3"],
  ["1k", "+", "1e3", "2k"],
  ["-1Gi", "+", "1Gi", "0"],
  ["1Mi", "-", "1Ki", "1023Ki"],
  ["1n", "+", "999999999n", "1"],
  ["0", "+", "1e3", "1e3"],
  ["250m", "-", "1", "-750m"],
  ])("%s %s %s = %s", (a, op, b, want) => {
    const x = parseQuantity(a);
    const got = op === "+" ? x.add(b) : x.sub(b);
    expect(got.toString()).toBe(want);
    expect(x.toString()).toBe(parseQuantity(a).toString()); // operands are not changed
  });

  it("keeps the left format, or takes the right one when the left is zero", () => {
    expect(parseQuantity("1Ki").add("1k").format).toBe("BinarySI");
    expect(parseQuantity("1k").add("1Ki").format).toBe("DecimalSI");
    expect(parseQuantity("0").add("1Ki").format).toBe("BinarySI");
    expect(parseQuantity("0").sub("1e3").format).toBe("DecimalExponent");
    expect(parseQuantity("0Ki").add("0").format).toBe("DecimalSI");
    expect(ResourceQuantity.fromInteger(10, "BinarySI").sub("1").format).toBe("BinarySI");
  });

  it("is exact where floating point is not", () => {
    expect(parseQuantity("100m").add("200m").cmp("300m")).toBe(0);
    expect(0.1 + 0.2).not.toBe(0.3);
    let sum = ResourceQuantity.ZERO;
    for (let i = 0; i < 10; i++) sum = sum.add("100m");
    expect(sum.toString()).toBe("1");
    expect(sum.sub("1").isZero()).toBe(true);
  });
});

describe("roundUp (TestQuantityRoundUp)", () => {
  it.each<[string, number, string, boolean]>([
    ["9.01", -3, "9.01", true],
    ["9.01", -2, "9.01", true],
    ["9.01", -1, "9.1", false],
    ["9.01", 0, "10", false],
    ["9.01", 1, "10", false],
    ["9.01", 2, "100", false],
    ["-9.01", -3, "-9.01", true],
    ["-9.01", -2, "-9.01", true],
    ["-9.01", -1, "-9.1", false],
    ["-9.01", 0, "-10", false],
    ["-9.01", 1, "-10", false],
    ["-9.01", 2, "-100", false],
  ])("%s to scale %d is %s (exact: %s)", (input, scale, want, exact) => {
    const q = parseQuantity(input);
    const r = q.roundUp(scale);
    expect(r.toDecimalString()).toBe(want);
    expect(r.equals(q)).toBe(exact);
    expect(r.format).toBe(q.format);
  });
});

describe("constructors (TestNewSet, TestMilliNewSet, TestNewScaledSet)", () => {
  it.each<[bigint | number, QuantityFormat, string]>([
    [1, "DecimalSI", "1"],
    [1000, "DecimalSI", "1k"],
    [1234000, "DecimalSI", "1234k"],
    [1024, "BinarySI", "1Ki"],
    [1024 * 1024, "BinarySI", "1Mi"],
    [1000000, "DecimalExponent", "1e6"],
  ])("fromInteger(%s, %s) = %s", (value, format, want) => {
    const q = ResourceQuantity.fromInteger(value, format);
    expect(q.toString()).toBe(want);
    expect(parseQuantity(q.toString()).value()).toBe(BigInt(value));
  });

  it.each<[number, QuantityFormat, string]>([
    [1, "DecimalSI", "1m"],
    [1000, "DecimalSI", "1"],
    [1234000, "DecimalSI", "1234"],
    [1024, "BinarySI", "1024m"],
    [1000000, "DecimalExponent", "1e3"],
    [1024 * 1024, "BinarySI", "1048576m"],
  ])("fromMilli(%d, %s) = %s", (value, format, want) => {
    const q = ResourceQuantity.fromMilli(value, format);
    expect(q.toString()).toBe(want);
    expect(q.milliValue()).toBe(BigInt(value));
  });

  it.each<[number, number, string]>([
    [1, -9, "1n"],
    [1000, -9, "1u"],
    [1, -6, "1u"],
    [1000, -6, "1m"],
    [1, -3, "1m"],
    [1000, -3, "1"],
    [1, 0, "1"],
    [0, -9, "0"],
    [0, -6, "0"],
    [0, -3, "0"],
    [0, 0, "0"],
  ])("fromScaled(%d, %d) = %s, and scaledValue gives the value back", (value, scale, want) => {
    const q = ResourceQuantity.fromScaled(value, scale);
    expect(q.toString()).toBe(want);
    expect(parseQuantity(want).scaledValue(scale)).toBe(BigInt(value));
  });

  it("refuses what it cannot hold exactly", () => {
    expect(() => ResourceQuantity.fromScaled(1, -10)).toThrow(RangeError);
    expect(() => ResourceQuantity.fromScaled(1.5)).toThrow(RangeError);
    expect(() => ResourceQuantity.fromInteger(2 ** 60)).toThrow(RangeError);
    expect(ResourceQuantity.fromInteger(2n ** 60n, "BinarySI").toString()).toBe("1Ei");
  });
});

describe("scaledValue (TestScaledValue)", () => {
  it.each<[number, number, bigint]>([
    [-9, -9, 1n], [-9, -6, 1n], [-9, -3, 1n], [-9, 0, 1n],
    [-6, -9, 1000n], [-6, -6, 1n], [-6, -3, 1n], [-6, 0, 1n],
    [-3, -9, 1000000n], [-3, -6, 1000n], [-3, -3, 1n], [-3, 0, 1n],
    [0, -9, 1000000000n], [0, -6, 1000000n], [0, -3, 1000n], [0, 0, 1n],
    [2, -2, 10000n],
  ])("1 * 10^%d at scale %d is %s", (from, to, want) => {
    expect(ResourceQuantity.fromScaled(1, from).scaledValue(to)).toBe(want);
  });

  it("rounds away from zero, and does not wrap at int64", () => {
    expect(parseQuantity("-1n").value()).toBe(-1n);
    expect(parseQuantity("-1.5").milliValue()).toBe(-1500n);
    expect(parseQuantity("1e21").value()).toBe(10n ** 21n);
    expect(parseQuantity("1000E").milliValue()).toBe(10n ** 24n);
  });
});

describe("toNumber (TestStringQuantityAsApproximateFloat64) and other helpers", () => {
  it.each<[string, number]>([
    ["2Ki", 2048],
    ["1.1Ki", 1126.4],
    ["1Mi", 1048576],
    ["2Gi", 2147483648],
    // ours
    ["100m", 0.1],
    ["-1.5", -1.5],
    ["1n", 1e-9],
    ["0", 0],
    ["9223372036854775807", 9223372036854775807],
  ])("%s is about %d", (input, want) => {
    expect(parseQuantity(input).toNumber()).toBe(want);
  });

  it("loses precision beyond 2^53, which cmp does not", () => {
    const a = parseQuantity("9007199254740993");
    const b = parseQuantity("9007199254740992");
    expect(a.toNumber()).toBe(b.toNumber());
    expect(a.cmp(b)).toBe(1);
  });

  it("canonicalQuantity, toResourceQuantity, isZero, sign", () => {
    expect(canonicalQuantity("1.5Gi")).toBe("1536Mi");
    expect(canonicalQuantity(0.1)).toBe("100m");
    const q = parseQuantity("1Ki");
    expect(toResourceQuantity(q)).toBe(q);
    expect(ResourceQuantity.parse("0Ki").isZero()).toBe(true);
    expect(parseQuantity("-1n").sign()).toBe(-1);
    expect(ResourceQuantity.ZERO.toString()).toBe("0");
  });

  it("is exported from the runtime package", () => {
    expect(runtime.parseQuantity).toBe(parseQuantity);
    expect(runtime.ResourceQuantity).toBe(ResourceQuantity);
    expect(runtime.QuantityParseError).toBe(QuantityParseError);
    expect(runtime.canonicalQuantity("1000M")).toBe("1G");
  });
});
