package io.meshspine.gate;

import io.meshspine.core.contract.Contract;
import org.apache.avro.generic.GenericRecord;

/**
 * An optional step between validation and masking (derived fields, normalisation). An exception it throws
 * dead-letters the record as PROCESSING instead of stopping the gate.
 */
@FunctionalInterface
public interface ProductTransform {

    ProductTransform NONE = (contract, record) -> record;

    GenericRecord apply(Contract contract, GenericRecord record);
}
