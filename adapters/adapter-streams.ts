import { Subject, type Observable } from 'rxjs';
import type { AdapterProblem, AvailabilityChange, DeviceAdapter, DeviceReading, DeviceReport } from './device-adapter';

/** The streams every adapter publishes, with the protected means to feed and to end them. */
export abstract class AdapterStreams implements Pick<DeviceAdapter, 'reports$' | 'availability$' | 'problems$' | 'readings$'> {
  private readonly reportsSubject = new Subject<DeviceReport>();
  private readonly availabilitySubject = new Subject<AvailabilityChange>();
  private readonly problemsSubject = new Subject<AdapterProblem>();
  private readonly readingsSubject = new Subject<DeviceReading>();
  readonly reports$: Observable<DeviceReport> = this.reportsSubject.asObservable();
  readonly availability$: Observable<AvailabilityChange> = this.availabilitySubject.asObservable();
  readonly problems$: Observable<AdapterProblem> = this.problemsSubject.asObservable();
  readonly readings$: Observable<DeviceReading> = this.readingsSubject.asObservable();

  protected emitReport(report: DeviceReport): void {
    this.reportsSubject.next(report);
  }

  protected emitAvailability(change: AvailabilityChange): void {
    this.availabilitySubject.next(change);
  }

  protected emitProblem(problem: AdapterProblem): void {
    this.problemsSubject.next(problem);
  }

  protected emitReading(reading: DeviceReading): void {
    this.readingsSubject.next(reading);
  }

  /** On stop: subscribers see the streams complete. */
  protected completeStreams(): void {
    this.readingsSubject.complete();
    this.reportsSubject.complete();
    this.availabilitySubject.complete();
    this.problemsSubject.complete();
  }
}
