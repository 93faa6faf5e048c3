"""True Enhanced CT and Enhanced MR images (multi-frame functional groups), built with pydicom to PS3.3.

:func:`enhanced_image` turns the single-frame slices of one synthetic CT or MR series
(:mod:`curator.testing.synthetic`) into one Enhanced CT Image (A.38) or Enhanced MR Image
(A.36.2) whose frames are those slices: Multi-frame Functional Groups (C.7.6.16) with the
shared groups (Pixel Measures, Plane Orientation, Frame Anatomy, Pixel Value
Transformation, Frame VOI LUT, the CT or MR groups) and the per-frame groups (Frame
Content with Frame Acquisition / Reference DateTime in the site's time zone, Dimension
Index Values, Stack; Plane Position; the CT's Irradiation Event and Referenced Image, the
MR's Derivation Image with its Source Image Sequence), the Multi-frame Dimension module
(C.7.6.17), the Acquisition Context module (C.7.6.14) and the evidence sequences of the
instances referenced.  The patient, study and equipment attributes are the slices' own (so
their planted identifiers); per-frame text plants the patient's name too (Frame Comments,
Frame Label, Derivation Description).

Test data only: never used by a command.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, ExplicitVRLittleEndian

from curator.testing.synthetic import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, synthetic_uid

__all__ = ["ENHANCED_CT_STORAGE", "ENHANCED_MR_STORAGE", "ENHANCED_US_VOLUME_STORAGE", "ENHANCED_XA_STORAGE", "TIME_ZONE", "enhanced_image",
           "enhanced_us_volume", "enhanced_xa"]

ENHANCED_CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
ENHANCED_MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.1"
ENHANCED_XA_STORAGE = "1.2.840.10008.5.1.4.1.1.12.1.1"
ENHANCED_US_VOLUME_STORAGE = "1.2.840.10008.5.1.4.1.1.6.2"
TIME_ZONE = "+0100"  # the site's offset from UTC, in every DateTime of the object

# Attributes of the patient, study, series, frame of reference and equipment modules the
# enhanced object takes from its first slice.
_COMMON = ("SpecificCharacterSet", "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate",
           "PatientSex", "OtherPatientIDs", "OtherPatientIDsSequence", "PatientAge", "PatientSize",
           "PatientWeight", "PatientAddress", "PatientTelephoneNumbers", "EthnicGroup", "StudyDate",
           "StudyTime", "AccessionNumber", "ReferringPhysicianName", "StudyDescription",
           "StudyInstanceUID", "StudyID", "RequestAttributesSequence", "Manufacturer", "InstitutionName",
           "InstitutionAddress", "InstitutionalDepartmentName", "StationName", "ManufacturerModelName",
           "DeviceSerialNumber", "SoftwareVersions", "PerformingPhysicianName", "OperatorsName",
           "ProtocolName", "BodyPartExamined", "PatientPosition", "FrameOfReferenceUID",
           "PositionReferenceIndicator", "SamplesPerPixel", "PhotometricInterpretation", "Rows",
           "Columns", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation")


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _seq(*items: Dataset) -> DicomSequence:
    return DicomSequence(list(items))


def _item(**values: object) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _datetime(date: str, time: str, seconds: float) -> str:
    """A DT ``YYYYMMDDHHMMSS.FFFFFF+ZZZZ``: ``time`` (HHMMSS) plus ``seconds``, in :data:`TIME_ZONE`."""
    start = int(time[:2]) * 3600 + int(time[2:4]) * 60 + int(time[4:6]) + seconds
    hours, rest = divmod(start, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{date}{int(hours):02d}{int(minutes):02d}{secs:09.6f}{TIME_ZONE}"


def _reference(ds: Dataset, purpose: Dataset) -> Dataset:
    return _item(ReferencedSOPClassUID=ds.SOPClassUID, ReferencedSOPInstanceUID=ds.SOPInstanceUID,
                 PurposeOfReferenceCodeSequence=_seq(purpose))


def _evidence(slices: Sequence[Dataset]) -> DicomSequence:
    """Hierarchical SOP Instance Reference macro (C.17.2.1) of the slices (one study, one series)."""
    instances = [_item(ReferencedSOPClassUID=ds.SOPClassUID, ReferencedSOPInstanceUID=ds.SOPInstanceUID)
                 for ds in slices]
    series = _item(SeriesInstanceUID=slices[0].SeriesInstanceUID, ReferencedSOPSequence=_seq(*instances))
    return _seq(_item(StudyInstanceUID=slices[0].StudyInstanceUID, ReferencedSeriesSequence=_seq(series)))


def _header(slices: Sequence[Dataset], kind: str, series_number: int) -> Dataset:
    first = slices[0]
    ds = Dataset()
    for keyword in _COMMON:
        element = first.data_element(keyword) if keyword in first else None
        if element is not None:
            ds.add(copy.deepcopy(element))
    ds.SOPClassUID = ENHANCED_CT_STORAGE if kind == "CT" else ENHANCED_MR_STORAGE
    ds.Modality = kind
    ds.SeriesInstanceUID = synthetic_uid(first.StudyInstanceUID, "enhanced", kind, series_number)
    ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, 1)
    ds.SeriesNumber, ds.InstanceNumber, ds.AcquisitionNumber = series_number, 1, 1
    ds.SeriesDescription = f"{first.SeriesDescription} enhanced"
    date, time = str(first.StudyDate), str(first.SeriesTime)[:6]
    ds.SeriesDate = ds.ContentDate = ds.InstanceCreationDate = date
    ds.SeriesTime = ds.ContentTime = ds.InstanceCreationTime = time
    ds.TimezoneOffsetFromUTC = TIME_ZONE
    ds.AcquisitionDateTime = _datetime(date, time, 0.0)
    ds.AcquisitionDuration = 2.0 * len(slices)
    ds.ContentQualification = "RESEARCH"
    ds.BurnedInAnnotation = "NO"
    ds.RecognizableVisualFeatures = "NO"
    ds.LossyImageCompression = "00"
    ds.PresentationLUTShape = "IDENTITY"
    ds.ImageComments = f"Enhanced {kind} for {first.PatientName}"  # a planted name
    ds.NumberOfFrames = len(slices)
    ds.PixelData = b"".join(np.asarray(s.pixel_array, dtype=np.uint16).tobytes() for s in slices)
    ds.PixelPresentation, ds.VolumetricProperties, ds.VolumeBasedCalculationTechnique = "MONOCHROME", "VOLUME", "NONE"
    ds.AcquisitionContextSequence = _seq(_item(
        ValueType="DATETIME", ConceptNameCodeSequence=_seq(_code("111526", "DCM", "DateTime Started")),
        DateTime=_datetime(date, time, -600.0)))
    ds.AcquisitionContextDescription = f"Prepared by {first.OperatorsName}"  # a planted name
    return ds


def _dimensions(ds: Dataset) -> None:
    """Multi-frame Dimension module: one stack, frames indexed by stack and in-stack position."""
    organization = synthetic_uid(ds.SOPInstanceUID, "dimension-organization")
    ds.DimensionOrganizationSequence = _seq(_item(DimensionOrganizationUID=organization))
    ds.DimensionOrganizationType = "3D"
    ds.DimensionIndexSequence = _seq(*(
        _item(DimensionOrganizationUID=organization, DimensionIndexPointer=pointer,
              FunctionalGroupPointer=0x00209111, DimensionDescriptionLabel=label)
        for pointer, label in ((0x00209056, "Stack ID"), (0x00209057, "In-Stack Position Number"))))


def _shared_common(first: Dataset) -> Dataset:
    """The shared groups of both IODs: Pixel Measures, Plane Orientation, Frame Anatomy,
    Pixel Value Transformation, Frame VOI LUT."""
    shared = Dataset()
    shared.PixelMeasuresSequence = _seq(_item(PixelSpacing=first.PixelSpacing, SliceThickness=first.SliceThickness))
    shared.PlaneOrientationSequence = _seq(_item(ImageOrientationPatient=first.ImageOrientationPatient))
    region = _code("51185008", "SCT", "Chest") if first.Modality == "CT" else _code("69536005", "SCT", "Head")
    shared.FrameAnatomySequence = _seq(_item(FrameLaterality="U", AnatomicRegionSequence=_seq(region)))
    intercept, slope = (first.RescaleIntercept, first.RescaleSlope) if "RescaleSlope" in first else (0, 1)
    shared.PixelValueTransformationSequence = _seq(_item(
        RescaleIntercept=intercept, RescaleSlope=slope, RescaleType="HU" if first.Modality == "CT" else "US"))
    shared.FrameVOILUTSequence = _seq(_item(WindowCenter=first.WindowCenter, WindowWidth=first.WindowWidth))
    return shared


def _ct_shared(shared: Dataset, first: Dataset) -> None:
    """The CT groups (C.8.15.3), the same for every frame."""
    shared.CTImageFrameTypeSequence = _seq(_item(
        FrameType=["ORIGINAL", "PRIMARY", "ATTENUATION", "NONE"], PixelPresentation="MONOCHROME",
        VolumetricProperties="VOLUME", VolumeBasedCalculationTechnique="NONE"))
    shared.CTAcquisitionTypeSequence = _seq(_item(AcquisitionType="SPIRAL", ConstantVolumeFlag="NO",
                                                  FluoroscopyFlag="NO"))
    shared.CTAcquisitionDetailsSequence = _seq(_item(
        DataCollectionDiameter=first.DataCollectionDiameter, GantryDetectorTilt=first.GantryDetectorTilt,
        TableHeight=first.TableHeight, RotationDirection=first.RotationDirection,
        RevolutionTime=first.RevolutionTime, SingleCollimationWidth=first.SingleCollimationWidth,
        TotalCollimationWidth=first.TotalCollimationWidth))
    shared.CTTableDynamicsSequence = _seq(_item(
        TableSpeed=first.TableSpeed, TableFeedPerRotation=first.TableFeedPerRotation,
        SpiralPitchFactor=first.SpiralPitchFactor))
    shared.CTGeometrySequence = _seq(_item(DistanceSourceToDetector=first.DistanceSourceToDetector,
                                           DistanceSourceToDataCollectionCenter=first.DistanceSourceToPatient))
    spacing = first.PixelSpacing
    shared.CTReconstructionSequence = _seq(_item(
        ReconstructionAlgorithm="FILTER_BACK_PROJ", ConvolutionKernel=first.ConvolutionKernel,
        ConvolutionKernelGroup="SOFT_TISSUE", ReconstructionDiameter=first.ReconstructionDiameter,
        ReconstructionPixelSpacing=spacing, ReconstructionAngle=360.0, ImageFilter="NONE"))
    shared.CTExposureSequence = _seq(_item(
        ExposureTimeInms=float(first.ExposureTime), XRayTubeCurrentInmA=float(first.XRayTubeCurrent),
        ExposureInmAs=float(first.Exposure), ExposureModulationType="NONE", CTDIvol=first.CTDIvol,
        CTDIPhantomTypeCodeSequence=copy.deepcopy(first.CTDIPhantomTypeCodeSequence)))
    shared.CTXRayDetailsSequence = _seq(_item(
        KVP=first.KVP, FocalSpots=[float(first.FocalSpots)], FilterType=first.FilterType,
        FilterMaterial="ALUMINUM"))


def _mr_shared(shared: Dataset, first: Dataset) -> None:
    """The MR groups (C.8.13.5), the same for every frame."""
    shared.MRImageFrameTypeSequence = _seq(_item(
        FrameType=["DERIVED", "PRIMARY", "MPR", "NONE"], PixelPresentation="MONOCHROME",
        VolumetricProperties="VOLUME", VolumeBasedCalculationTechnique="NONE", ComplexImageComponent="MAGNITUDE",
        AcquisitionContrast="T1"))
    shared.MRTimingAndRelatedParametersSequence = _seq(_item(
        RepetitionTime=float(first.RepetitionTime), FlipAngle=float(first.FlipAngle),
        EchoTrainLength=int(first.EchoTrainLength), RFEchoTrainLength=int(first.EchoTrainLength),
        GradientEchoTrainLength=0, SpecificAbsorptionRateSequence=_seq(_item(
            SpecificAbsorptionRateDefinition="IEC_WHOLE_BODY", SpecificAbsorptionRateValue=float(first.SAR))),
        GradientOutputType="DB_DT", GradientOutput=20.0, OperatingModeSequence=_seq(_item(
            OperatingModeType="STATIC FIELD", OperatingMode="IEC_NORMAL"))))
    shared.MRFOVGeometrySequence = _seq(_item(
        InPlanePhaseEncodingDirection=first.InPlanePhaseEncodingDirection, MRAcquisitionFrequencyEncodingSteps=256,
        MRAcquisitionPhaseEncodingStepsInPlane=224, PercentSampling=float(first.PercentSampling),
        PercentPhaseFieldOfView=float(first.PercentPhaseFieldOfView)))
    shared.MREchoSequence = _seq(_item(EffectiveEchoTime=float(first.EchoTime)))
    shared.MRModifierSequence = _seq(_item(
        InversionRecovery="YES" if "InversionTime" in first else "NO", FlowCompensation="NONE", Spoiling="NONE",
        T2Preparation="NO", SpectrallySelectedExcitation="NONE", SpatialPresaturation="NONE",
        PartialFourier="NO", ParallelAcquisition="NO"))
    if "InversionTime" in first:
        shared.MRModifierSequence[0].InversionTimes = [float(first.InversionTime)]
    shared.MRImagingModifierSequence = _seq(_item(
        MagnetizationTransfer="NONE", BloodSignalNulling="NO", Tagging="NONE",
        TransmitterFrequency=float(first.ImagingFrequency), PixelBandwidth=float(first.PixelBandwidth)))
    shared.MRReceiveCoilSequence = _seq(_item(
        ReceiveCoilName=first.ReceiveCoilName, ReceiveCoilManufacturerName=first.Manufacturer,
        ReceiveCoilType="MULTICOIL", QuadratureReceiveCoil="NO", MultiCoilDefinitionSequence=_seq(_item(
            MultiCoilElementName="HEA", MultiCoilElementUsed="YES"))))
    shared.MRTransmitCoilSequence = _seq(_item(
        TransmitCoilName=first.TransmitCoilName, TransmitCoilManufacturerName=first.Manufacturer,
        TransmitCoilType="BODY"))
    shared.MRDiffusionSequence = _seq(_item(DiffusionBValue=0.0, DiffusionDirectionality="NONE"))
    shared.MRAveragesSequence = _seq(_item(NumberOfAverages=float(first.NumberOfAverages)))
    shared.MRSpatialSaturationSequence = _seq()


def _frame(ds: Dataset, index: int, slices: Sequence[Dataset], kind: str) -> Dataset:
    """The per-frame groups of frame ``index`` (0-based)."""
    slice_ = slices[index]
    date, time = str(ds.ContentDate), str(ds.ContentTime)
    frame = Dataset()
    content = _item(
        FrameAcquisitionNumber=index + 1, FrameReferenceDateTime=_datetime(date, time, 2.0 * index + 1.0),
        FrameAcquisitionDateTime=_datetime(date, time, 2.0 * index), FrameAcquisitionDuration=2000.0,
        DimensionIndexValues=[1, index + 1], StackID="1", InStackPositionNumber=index + 1,
        FrameLabel=f"{slice_.PatientName.family_name} {index + 1}",  # a planted name
        FrameComments=f"checked with {slice_.PatientName.given_name} {slice_.PatientName.family_name}")
    frame.FrameContentSequence = _seq(content)
    frame.PlanePositionSequence = _seq(_item(ImagePositionPatient=slice_.ImagePositionPatient))
    if kind == "CT":
        frame.IrradiationEventIdentificationSequence = _seq(_item(
            IrradiationEventUID=synthetic_uid(ds.SOPInstanceUID, "irradiation", index)))
        frame.CTPositionSequence = _seq(_item(
            TablePosition=float(slice_.ImagePositionPatient[2]),
            ReconstructionTargetCenterPatient=[0.0, 0.0, float(slice_.ImagePositionPatient[2])],
            DataCollectionCenterPatient=[0.0, 0.0, float(slice_.ImagePositionPatient[2])]))
    if ds.ImageType[0] == "ORIGINAL":
        frame.ReferencedImageSequence = _seq(_reference(slice_, _code("121311", "DCM", "Localizer")))
    else:
        derivation = _item(
            DerivationDescription=f"reformatted for {slice_.PatientName}",  # a planted name
            DerivationCodeSequence=_seq(_code("113072", "DCM", "Multiplanar reformatting")),
            SourceImageSequence=_seq(_reference(slice_, _code("121322", "DCM",
                                                              "Source image for image processing operation"))))
        frame.DerivationImageSequence = _seq(derivation)
    return frame


def _mr_module(ds: Dataset, first: Dataset, original: bool) -> None:
    """Enhanced MR Image (C.8.13.1) attributes: of a derived image (reformatted from its source
    slices), or of an original one with its MR Pulse Sequence module (C.8.13.4)."""
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"] if original else ["DERIVED", "PRIMARY", "MPR", "NONE"]
    if original:
        _pulse_sequence(ds, first)
    ds.ComplexImageComponent, ds.AcquisitionContrast = "MAGNITUDE", "T1"
    ds.ResonantNucleus = "1H"
    ds.KSpaceFiltering = "NONE"
    ds.MagneticFieldStrength = float(first.MagneticFieldStrength)
    ds.ApplicableSafetyStandardAgency = "IEC"


def _contrast(ds: Dataset, first: Dataset) -> None:
    """Enhanced Contrast/Bolus module (C.7.6.4b): the slices' intravenous iodinated agent."""
    agent = _code("C-B0322", "SRT", "Iohexol")
    agent.ContrastBolusAgentNumber = 1
    agent.ContrastBolusAdministrationRouteSequence = _seq(_code("G-D101", "SRT", "Intravenous route"))
    agent.ContrastBolusIngredientCodeSequence = _seq(_code("C-11400", "SRT", "Iodine"))
    agent.ContrastBolusVolume = float(first.ContrastBolusVolume)
    agent.ContrastBolusIngredientConcentration = 350.0
    agent.ContrastBolusIngredientOpaque = "YES"
    ds.ContrastBolusAgentSequence = _seq(agent)


def _pulse_sequence(ds: Dataset, first: Dataset) -> None:
    """MR Pulse Sequence module (C.8.13.4) of a 2D spin echo with inversion recovery."""
    ds.PulseSequenceName = str(first.SequenceName)[:16]
    ds.MRAcquisitionType = first.MRAcquisitionType
    ds.EchoPulseSequence, ds.MultipleSpinEcho, ds.MultiPlanarExcitation = "SPIN", "NO", "NO"
    ds.PhaseContrast, ds.TimeOfFlightContrast, ds.SteadyStatePulseSequence = "NO", "NO", "NONE"
    ds.EchoPlanarPulseSequence, ds.SaturationRecovery, ds.SpectrallySelectedSuppression = "NO", "NO", "NONE"
    ds.OversamplingPhase, ds.GeometryOfKSpaceTraversal = "NONE", "RECTILINEAR"
    ds.RectilinearPhaseEncodeReordering, ds.SegmentedKSpaceTraversal = "LINEAR", "SINGLE"
    ds.NumberOfKSpaceTrajectories = 1
    if ds.MRAcquisitionType == "3D":
        ds.CoverageOfKSpace = "FULL"  # 1C: 3D acquisitions only


def enhanced_image(slices: Sequence[Dataset], kind: str, series_number: int, original: bool = False) -> Dataset:
    """One Enhanced CT (``kind`` "CT", original) or Enhanced MR ("MR": derived, a reformat of
    its slices; ``original``: as acquired, with the MR Pulse Sequence module) image whose
    frames are ``slices`` (one series of :func:`curator.testing.synthetic.ct_series` or
    ``mr_series``, 16-bit)."""
    if kind not in ("CT", "MR"):
        raise ValueError(f"kind must be CT or MR, not {kind!r}")
    first = slices[0]
    ds = _header(slices, kind, series_number)
    if kind == "CT":
        ds.ImageType = ["ORIGINAL", "PRIMARY", "ATTENUATION", "NONE"]
        ds.ReferencedImageEvidenceSequence = _evidence(slices)
        if "ContrastBolusAgent" in first:
            _contrast(ds, first)
    else:
        _mr_module(ds, first, original)
        if original:
            ds.ReferencedImageEvidenceSequence = _evidence(slices)
        else:
            ds.SourceImageEvidenceSequence = _evidence(slices)
    _dimensions(ds)
    shared = _shared_common(first)
    (_ct_shared if kind == "CT" else _mr_shared)(shared, first)
    if "ContrastBolusAgentSequence" in ds:  # Contrast/Bolus Usage (C.7.6.16.2.12)
        shared.ContrastBolusUsageSequence = _seq(_item(
            ContrastBolusAgentNumber=1, ContrastBolusAgentAdministered="YES", ContrastBolusAgentDetected="YES",
            ContrastBolusAgentPhase="PORTAL_VENOUS"))
    if kind == "MR":
        shared.MRImageFrameTypeSequence[0].FrameType = list(ds.ImageType)
    ds.SharedFunctionalGroupsSequence = _seq(shared)
    ds.PerFrameFunctionalGroupsSequence = _seq(*(_frame(ds, i, slices, kind) for i in range(len(slices))))
    _file_meta(ds)
    return ds


def _file_meta(ds: Dataset) -> None:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.FileMetaInformationVersion = b"\x00\x01"
    ds.file_meta.MediaStorageSOPClassUID = UID(ds.SOPClassUID)
    ds.file_meta.MediaStorageSOPInstanceUID = UID(ds.SOPInstanceUID)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    ds.file_meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME


def _xa_shared(ds: Dataset) -> Dataset:
    """The shared groups of an Enhanced XA (A.47.3): anatomy, pixel data properties, positioner,
    table, collimator, irradiation event, frame acquisition (kV, mA), VOI LUT."""
    shared = Dataset()
    shared.FrameAnatomySequence = _seq(_item(FrameLaterality="U", AnatomicRegionSequence=_seq(
        _code("51185008", "SCT", "Chest"))))
    shared.FrameVOILUTSequence = _seq(_item(WindowCenter=2048, WindowWidth=4096))
    shared.IrradiationEventIdentificationSequence = _seq(_item(
        IrradiationEventUID=synthetic_uid(ds.SOPInstanceUID, "irradiation")))
    shared.FramePixelDataPropertiesSequence = _seq(_item(
        FrameType=list(ds.ImageType), PixelIntensityRelationship="LIN", PixelIntensityRelationshipSign=1,
        ImagerPixelSpacing=[0.2, 0.2], GeometricalProperties="UNIFORM", ImageProcessingApplied="NONE"))
    shared.PositionerPositionSequence = _seq(_item(PositionerPrimaryAngle=0.0, PositionerSecondaryAngle=0.0))
    shared.TablePositionSequence = _seq(_item(
        TableTopVerticalPosition=0.0, TableTopLongitudinalPosition=0.0, TableTopLateralPosition=0.0,
        TableHorizontalRotationAngle=0.0, TableHeadTiltAngle=0.0, TableCradleTiltAngle=0.0))
    shared.CollimatorShapeSequence = _seq(_item(
        CollimatorShape="RECTANGULAR", CollimatorLeftVerticalEdge=0, CollimatorRightVerticalEdge=ds.Columns,
        CollimatorUpperHorizontalEdge=0, CollimatorLowerHorizontalEdge=ds.Rows))
    shared.FrameAcquisitionSequence = _seq(_item(KVP=80, XRayTubeCurrentInmA=10.0))
    return shared


def enhanced_xa(template: Dataset, series_number: int, frames: int = 3) -> Dataset:
    """One Enhanced XA Image (A.47), a single-plane run of ``frames`` frames of 16x16 pixels, of
    the patient, study and equipment of ``template`` (a synthetic CT slice); the patient's name
    planted in Frame Comments.  dciodvfy finds 3 errors: X-Ray Tube Current in mA, Exposure Time
    in ms and Exposure in mAs (XA/XRF Acquisition, 1C) are "missing" when absent and "present
    when condition unsatisfied" when present, whatever the other attributes."""
    ds = Dataset()
    for keyword in _COMMON:
        element = template.data_element(keyword) if keyword in template else None
        if element is not None and keyword not in ("FrameOfReferenceUID", "PositionReferenceIndicator",
                                                   "ProtocolName", "PatientPosition", "Rows", "Columns"):
            ds.add(copy.deepcopy(element))
    ds.SOPClassUID, ds.Modality = ENHANCED_XA_STORAGE, "XA"
    ds.SeriesInstanceUID = synthetic_uid(template.StudyInstanceUID, "enhanced", "XA", series_number)
    ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, 1)
    ds.SeriesNumber, ds.InstanceNumber = series_number, 1
    date, time = str(template.StudyDate), "101500"
    ds.SeriesDate = ds.ContentDate = date
    ds.SeriesTime = ds.ContentTime = time
    ds.AcquisitionDateTime, ds.AcquisitionDuration = _datetime(date, time, 0.0), 0.1 * frames
    ds.ImageType = ["ORIGINAL", "PRIMARY", "SINGLE A", "NONE"]
    ds.PixelIntensityRelationship = "LIN"
    ds.Rows = ds.Columns = 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.NumberOfFrames = frames
    rng = np.random.default_rng(series_number)
    ds.PixelData = rng.integers(0, 4096, size=(frames, 16, 16), dtype=np.uint16).tobytes()
    ds.ContentQualification, ds.BurnedInAnnotation, ds.LossyImageCompression = "RESEARCH", "NO", "00"
    ds.PresentationLUTShape = "IDENTITY"
    ds.AcquisitionContextSequence = _seq()
    ds.PatientOrientation = ["A", "F"]
    ds.PlanesInAcquisition, ds.PlaneIdentification = "SINGLE PLANE", "MONOPLANE"
    ds.KVP, ds.RadiationSetting, ds.RadiationMode = 80, "GR", "PULSED"
    ds.AveragePulseWidth, ds.DistanceReceptorPlaneToDetectorHousing = 5.0, 30.0
    ds.PositionerType, ds.CArmPositionerTabletopRelationship, ds.AcquiredImageAreaDoseProduct = "CARM", "NO", 1.0
    ds.SharedFunctionalGroupsSequence = _seq(_xa_shared(ds))
    ds.PerFrameFunctionalGroupsSequence = _seq(*(
        _item(FrameContentSequence=_seq(_item(
            FrameAcquisitionDateTime=_datetime(date, time, 0.1 * i), FrameReferenceDateTime=_datetime(date, time, 0.1 * i),
            FrameAcquisitionDuration=100.0, DimensionIndexValues=[i + 1],
            FrameComments=f"run of {template.PatientName.family_name}")))  # a planted name
        for i in range(frames)))
    organization = synthetic_uid(ds.SOPInstanceUID, "dimension-organization")
    ds.DimensionOrganizationSequence = _seq(_item(DimensionOrganizationUID=organization))
    ds.DimensionIndexSequence = _seq(_item(DimensionOrganizationUID=organization, DimensionIndexPointer=0x00189074,
                                           FunctionalGroupPointer=0x00209111, DimensionDescriptionLabel="Time"))
    _file_meta(ds)
    return ds


def _us_volume_modules(ds: Dataset) -> None:
    """Ultrasound Frame of Reference, Synchronization and Enhanced US Image attributes."""
    ds.PositionReferenceIndicator = ""
    ds.VolumeFrameOfReferenceUID = synthetic_uid(ds.SOPInstanceUID, "volume-frame-of-reference")
    ds.UltrasoundAcquisitionGeometry, ds.ApexPosition = "APEX", [0.0, 0.0, 0.0]
    ds.VolumeToTransducerMappingMatrix = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    ds.SynchronizationFrameOfReferenceUID = synthetic_uid(ds.SOPInstanceUID, "synchronization")
    ds.SynchronizationTrigger, ds.AcquisitionTimeSynchronized = "NO TRIGGER", "N"
    ds.PatientOrientation = ""
    ds.RescaleIntercept, ds.RescaleSlope = 0, 1
    ds.ViewCodeSequence = _seq(_code("399067008", "SCT", "Lateral projection"))
    ds.AnatomicRegionSequence = _seq(_code("51185008", "SCT", "Chest"))
    ds.TransducerScanPatternCodeSequence = _seq(_code("125242", "DCM", "Volume scan pattern"))
    ds.TransducerGeometryCodeSequence = _seq(_code("125252", "DCM", "Linear ultrasound transducer geometry"))
    ds.TransducerBeamSteeringCodeSequence = _seq(_code("125257", "DCM", "Fixed beam direction"))
    ds.TransducerApplicationCodeSequence = _seq(_code("125261", "DCM", "External Transducer"))
    ds.MechanicalIndex, ds.BoneThermalIndex, ds.CranialThermalIndex, ds.SoftTissueThermalIndex = 0.8, 0.1, 0.1, 0.2
    ds.DepthsOfFocus, ds.DepthOfScanField = [30.0], 100


def enhanced_us_volume(template: Dataset, series_number: int, frames: int = 3) -> Dataset:
    """One Enhanced US Volume (A.59): ``frames`` parallel planes of 16x16 8-bit pixels of the
    patient, study and equipment of ``template`` (a synthetic CT slice, whose Frame of
    Reference it shares), the patient's name planted in Frame Comments.  dciodvfy: 0 errors."""
    ds = Dataset()
    for keyword in _COMMON:
        element = template.data_element(keyword) if keyword in template else None
        if element is not None and keyword not in ("PositionReferenceIndicator", "ProtocolName", "PatientPosition",
                                                   "Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit"):
            ds.add(copy.deepcopy(element))
    ds.SOPClassUID, ds.Modality = ENHANCED_US_VOLUME_STORAGE, "US"
    ds.SeriesInstanceUID = synthetic_uid(template.StudyInstanceUID, "enhanced", "US", series_number)
    ds.SOPInstanceUID = synthetic_uid(ds.SeriesInstanceUID, 1)
    ds.SeriesNumber, ds.InstanceNumber = series_number, 1
    date, time = str(template.StudyDate), "103000"
    ds.SeriesDate = ds.ContentDate = date
    ds.SeriesTime = ds.ContentTime = time
    ds.AcquisitionDateTime, ds.AcquisitionDuration = _datetime(date, time, 0.0), 1.0
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    ds.Rows = ds.Columns = 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.NumberOfFrames = frames
    ds.PixelData = np.random.default_rng(series_number).integers(0, 256, size=(frames, 16, 16), dtype=np.uint8).tobytes()
    ds.BurnedInAnnotation, ds.LossyImageCompression, ds.PresentationLUTShape = "NO", "00", "IDENTITY"
    ds.AcquisitionContextSequence = _seq()
    _us_volume_modules(ds)
    shared = Dataset()
    shared.PixelMeasuresSequence = _seq(_item(PixelSpacing=[0.5, 0.5], SliceThickness=0.5))
    shared.PlaneOrientationVolumeSequence = _seq(_item(ImageOrientationVolume=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))
    shared.FrameVOILUTSequence = _seq(_item(WindowCenter=128, WindowWidth=256))
    shared.ImageDataTypeSequence = _seq(_item(DataType="TISSUE_INTENSITY", AliasedDataType="NO"))
    shared.USImageDescriptionSequence = _seq(_item(FrameType=list(ds.ImageType), VolumetricProperties="VOLUME",
                                                   VolumeBasedCalculationTechnique="NONE"))
    ds.SharedFunctionalGroupsSequence = _seq(shared)
    ds.PerFrameFunctionalGroupsSequence = _seq(*(
        _item(FrameContentSequence=_seq(_item(
            FrameAcquisitionDateTime=_datetime(date, time, 0.0), FrameReferenceDateTime=_datetime(date, time, 0.0),
            FrameAcquisitionDuration=1000.0, DimensionIndexValues=[i + 1],
            FrameComments=f"sweep by {template.PatientName.family_name}")),  # a planted name
            PlanePositionVolumeSequence=_seq(_item(ImagePositionVolume=[0.0, 0.0, 0.5 * i])))
        for i in range(frames)))
    organization = synthetic_uid(ds.SOPInstanceUID, "dimension-organization")
    ds.DimensionOrganizationSequence = _seq(_item(DimensionOrganizationUID=organization))
    ds.DimensionOrganizationType = "3D"
    ds.DimensionIndexSequence = _seq(_item(DimensionOrganizationUID=organization, DimensionIndexPointer=0x0020930E,
                                           FunctionalGroupPointer=0x0020930D, DimensionDescriptionLabel="Position"))
    _file_meta(ds)
    return ds
